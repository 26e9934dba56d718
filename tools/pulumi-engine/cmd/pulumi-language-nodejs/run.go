package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/shlex"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// exitAfterReportedError is the exit code @pulumi/pulumi/cmd/run uses when it has already shown the user an
// actionable error; the host then answers Bail so that the engine prints nothing more.
const exitAfterReportedError = 32

// interruptGrace is how long a cancelled program gets between SIGINT and SIGKILL.
const interruptGrace = 5 * time.Second

// runtimeOptions are the Pulumi.yaml `runtime.options` this host understands.
type runtimeOptions struct {
	typescript   bool   // run TypeScript through ts-node (default true, like upstream)
	tsconfigPath string // PULUMI_NODEJS_TSCONFIG_PATH
	nodeArgs     []string
}

func parseRuntimeOptions(opts map[string]any) (runtimeOptions, error) {
	out := runtimeOptions{typescript: true}
	if v, ok := opts["typescript"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return out, fmt.Errorf("runtime option \"typescript\" must be a boolean, got %v", v)
		}
		out.typescript = b
	}
	if v, ok := opts["tsconfig"]; ok {
		s, isString := v.(string)
		if !isString {
			return out, fmt.Errorf("runtime option \"tsconfig\" must be a string, got %v", v)
		}
		out.tsconfigPath = s
	}
	if v, ok := opts["nodeargs"]; ok {
		s, isString := v.(string)
		if !isString {
			return out, fmt.Errorf("runtime option \"nodeargs\" must be a string, got %v", v)
		}
		args, err := shlex.Split(s)
		if err != nil {
			return out, fmt.Errorf("runtime option \"nodeargs\": %w", err)
		}
		out.nodeArgs = args
	}
	if v, ok := opts["packagemanager"]; ok {
		if _, isString := v.(string); !isString {
			return out, fmt.Errorf("runtime option \"packagemanager\" must be a string, got %v", v)
		}
	}
	return out, nil
}

// runArguments builds the command line of @pulumi/pulumi/cmd/run (see its usage text): flags first, then the
// entry point ("." means package.json "main" of the program folder), then the program's own arguments.
func runArguments(req *pulumirpc.RunRequest, runPath, engineAddress, tracing string) []string {
	args := []string{runPath}
	add := func(flag, value string) {
		if value != "" {
			args = append(args, "--"+flag, value)
		}
	}
	info := req.GetInfo()
	add("monitor", req.GetMonitorAddress())
	add("engine", engineAddress)
	add("organization", req.GetOrganization())
	add("project", req.GetProject())
	add("root-directory", info.GetRootDirectory())
	add("stack", req.GetStack())
	add("pwd", info.GetProgramDirectory())
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	add("parallel", strconv.Itoa(int(req.GetParallel())))
	add("tracing", tracing)
	entry := info.GetEntryPoint()
	if entry == "" {
		entry = "."
	}
	args = append(args, entry)
	return append(args, req.GetArgs()...)
}

// configEnvironment returns PULUMI_CONFIG (keys written "<namespace>:config:<name>", a form every @pulumi/pulumi
// version reads) and PULUMI_CONFIG_SECRET_KEYS (JSON array of the secret keys as given).
func configEnvironment(req *pulumirpc.RunRequest) ([]string, error) {
	cfg := make(map[string]string, len(req.GetConfig()))
	for k, v := range req.GetConfig() {
		key, err := config.ParseKey(k)
		if err != nil {
			return nil, fmt.Errorf("config key %q: %w", k, err)
		}
		cfg[key.Namespace()+":config:"+key.Name()] = v
	}
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}
	return []string{"PULUMI_CONFIG=" + string(cfgJSON), "PULUMI_CONFIG_SECRET_KEYS=" + string(secretJSON)}, nil
}

// runStateVariables are the variables through which @pulumi/pulumi/cmd/run hands the run's settings to every copy of
// the SDK in the program (it sets them from its flags, and only for the flags that are given: no --dry-run leaves
// PULUMI_NODEJS_DRY_RUN as inherited). The host decides them for each run, so inherited values are dropped: an engine
// started from inside another Pulumi program (or a shell that exported them) must not turn an update into a preview,
// or point the program at another stack, monitor or sync folder.
var runStateVariables = map[string]bool{
	"PULUMI_NODEJS_ORGANIZATION": true, "PULUMI_NODEJS_PROJECT": true, "PULUMI_NODEJS_ROOT_DIRECTORY": true,
	"PULUMI_NODEJS_STACK": true, "PULUMI_NODEJS_DRY_RUN": true, "PULUMI_NODEJS_PARALLEL": true,
	"PULUMI_NODEJS_MONITOR": true, "PULUMI_NODEJS_ENGINE": true, "PULUMI_NODEJS_SYNC": true,
	"PULUMI_NODEJS_TYPESCRIPT": true, "PULUMI_NODEJS_TSCONFIG_PATH": true,
	"PULUMI_CONFIG": true, "PULUMI_CONFIG_SECRET_KEYS": true,
}

// programEnvironment is the program's environment: the host's own, without inherited run-state variables, plus the
// config of this run and the TypeScript settings of runtime.options. PULUMI_NODEJS_TRANSPILE_ONLY and other user
// settings pass through.
func programEnvironment(base, cfgEnv []string, opts runtimeOptions) []string {
	env := make([]string, 0, len(base)+len(cfgEnv)+2)
	for _, kv := range base {
		name, _, _ := strings.Cut(kv, "=")
		if !runStateVariables[name] {
			env = append(env, kv)
		}
	}
	env = append(env, cfgEnv...)
	if opts.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if opts.tsconfigPath != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfigPath)
	}
	return env
}

// runProgram starts `node [nodeargs] <@pulumi/pulumi/cmd/run> <flags> <entry> [args]` in the program folder,
// forwards its output to the engine (our stdout/stderr) and turns its exit status into a RunResponse.
func (h *nodeHost) runProgram(ctx context.Context, req *pulumirpc.RunRequest) *pulumirpc.RunResponse {
	info := req.GetInfo()
	fail := func(format string, a ...any) *pulumirpc.RunResponse {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf(format, a...)}
	}

	node, err := exec.LookPath("node")
	if err != nil {
		return fail("could not find node on the $PATH: %v", err)
	}
	runPath := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH")
	if runPath == "" {
		if runPath, err = locateSDKModule(info.GetProgramDirectory(), runModule); err != nil {
			return fail("%v", err)
		}
	}
	opts, err := parseRuntimeOptions(info.GetOptions().AsMap())
	if err != nil {
		return fail("%v", err)
	}
	cfgEnv, err := configEnvironment(req)
	if err != nil {
		return fail("failed to serialize configuration: %v", err)
	}

	env := programEnvironment(os.Environ(), cfgEnv, opts)

	args := append(append([]string{}, opts.nodeArgs...), runArguments(req, runPath, h.engine(), h.tracing)...)

	// Stop the program when the engine cancels (Cancel RPC), the host shuts down, or the Run call is abandoned.
	cmdCtx, cancel := context.WithCancel(h.cancelCtx)
	defer cancel()
	stopOnDone := context.AfterFunc(ctx, cancel)
	defer stopOnDone()

	cmd := exec.CommandContext(cmdCtx, node, args...)
	cmd.Dir = info.GetProgramDirectory()
	cmd.Env = env
	// Node may switch its stdio to non-blocking mode; wrapping the files keeps Go from handing them over as-is.
	cmd.Stdout = struct{ io.Writer }{os.Stdout}
	cmd.Stderr = struct{ io.Writer }{os.Stderr}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = interruptGrace

	err = cmd.Run()
	if err == nil {
		return &pulumirpc.RunResponse{}
	}
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		return fail("could not run the program with %s: %v", node, err)
	}
	if cmdCtx.Err() != nil && ctx.Err() == nil {
		return fail("the program was cancelled")
	}
	switch code := exitErr.ExitCode(); code {
	case exitAfterReportedError:
		return &pulumirpc.RunResponse{Bail: true}
	case -1:
		return fail("the program was stopped by a signal: %v", exitErr)
	default:
		return fail("Program exited with non-zero exit code: %d", code)
	}
}

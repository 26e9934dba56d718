package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/structpb"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

func TestParseArgsTakesFirstPositionalAsEngineAndToleratesFlags(t *testing.T) {
	got := parseArgs([]string{"-v=9", "--logtostderr", "-tracing", "http://t", "127.0.0.1:4000", "extra"})
	want := hostArgs{engineAddress: "127.0.0.1:4000", tracing: "http://t"}
	if got != want {
		t.Fatalf("parseArgs = %+v, want %+v", got, want)
	}
	if !parseArgs([]string{"-version"}).showVersion {
		t.Fatal("-version not recognised")
	}
	if got := parseArgs([]string{"--tracing=x", "addr"}); got.tracing != "x" || got.engineAddress != "addr" {
		t.Fatalf("--tracing=x: %+v", got)
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFindPulumiPackagesSearchesProgramAndParentNodeModules(t *testing.T) {
	root := t.TempDir()
	nm := filepath.Join(root, "node_modules")
	writeJSON(t, filepath.Join(nm, "@pulumi", "oci", "package.json"),
		map[string]any{"name": "@pulumi/oci", "version": "4.20.0", "pulumi": map[string]any{"resource": true, "name": "oci", "version": "4.20.0"}})
	writeJSON(t, filepath.Join(nm, "@pulumi", "pulumi", "package.json"),
		map[string]any{"name": "@pulumi/pulumi", "version": "3.270.0", "pulumi": map[string]any{"comment": "x"}})
	writeJSON(t, filepath.Join(nm, "@pulumi", "random", "package.json"),
		map[string]any{"name": "@pulumi/random", "version": "4.1.0", "pulumi": map[string]any{"resource": true, "server": "https://example.invalid"}})
	// nested copy inside another package
	writeJSON(t, filepath.Join(nm, "lib", "package.json"), map[string]any{"name": "lib", "version": "1.0.0"})
	writeJSON(t, filepath.Join(nm, "lib", "node_modules", "@pulumi", "command", "package.json"),
		map[string]any{"name": "@pulumi/command", "version": "1.2.1", "pulumi": map[string]any{"resource": true}})
	program := filepath.Join(root, "programs", "p")
	if err := os.MkdirAll(program, 0o755); err != nil {
		t.Fatal(err)
	}

	pkgs, err := findPulumiPackages(program)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pkgs {
		got = append(got, p.Name+"@"+p.Version+"@"+p.Kind+"@"+p.Server)
	}
	want := []string{"command@v1.2.1@resource@", "oci@v4.20.0@resource@", "random@v4.1.0@resource@https://example.invalid"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("packages = %v, want %v", got, want)
	}
}

func TestPackageDependencyNeedsANameForThirdPartyPackages(t *testing.T) {
	p := &packageJSON{Name: "acme-provider", Version: "1.0.0"}
	p.Pulumi.Resource = true
	if _, err := packageDependency(p); err == nil || !strings.Contains(err.Error(), "pulumi.name") {
		t.Fatalf("want an error naming pulumi.name, got %v", err)
	}
}

func TestLocateSDKModuleWalksUpAndExplainsWhenMissing(t *testing.T) {
	root := t.TempDir()
	run := filepath.Join(root, "node_modules", "@pulumi", "pulumi", "cmd", "run")
	if err := os.MkdirAll(run, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(run, "index.js"), []byte(""), 0o644); err != nil {
		t.Fatal(err)
	}
	deep := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	got, err := locateSDKModule(deep, runModule)
	if err != nil || got != run {
		t.Fatalf("locateSDKModule = %q, %v; want %q", got, err, run)
	}
	if _, err := locateSDKModule(t.TempDir(), runModule); err == nil || !strings.Contains(err.Error(), "npm ci") {
		t.Fatalf("want an error telling to run npm ci, got %v", err)
	}
}

func TestRunArgumentsFollowTheSDKCommandLine(t *testing.T) {
	req := &pulumirpc.RunRequest{
		MonitorAddress: "127.0.0.1:1", Project: "basphere", Stack: "dev", Organization: "organization",
		DryRun: true, Parallel: 8, Args: []string{"x"},
		Info: &pulumirpc.ProgramInfo{RootDirectory: "/p", ProgramDirectory: "/p", EntryPoint: "."},
	}
	got := runArguments(req, "/nm/@pulumi/pulumi/cmd/run", "127.0.0.1:2", "")
	want := []string{
		"/nm/@pulumi/pulumi/cmd/run", "--monitor", "127.0.0.1:1", "--engine", "127.0.0.1:2",
		"--organization", "organization", "--project", "basphere", "--root-directory", "/p", "--stack", "dev",
		"--pwd", "/p", "--dry-run", "--parallel", "8", ".", "x",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("args =\n%v\nwant\n%v", got, want)
	}
}

func TestConfigEnvironmentUsesTheLegacyKeyFormAndListsSecrets(t *testing.T) {
	env, err := configEnvironment(&pulumirpc.RunRequest{
		Config:           map[string]string{"basphere:kind": "tenant", "files:token": "s"},
		ConfigSecretKeys: []string{"files:token"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]string
	if err := json.Unmarshal([]byte(strings.TrimPrefix(env[0], "PULUMI_CONFIG=")), &cfg); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cfg, map[string]string{"basphere:config:kind": "tenant", "files:config:token": "s"}) {
		t.Fatalf("PULUMI_CONFIG = %v", cfg)
	}
	if env[1] != `PULUMI_CONFIG_SECRET_KEYS=["files:token"]` {
		t.Fatalf("secret keys = %s", env[1])
	}
	if _, err := configEnvironment(&pulumirpc.RunRequest{Config: map[string]string{"nonamespace": "x"}}); err == nil {
		t.Fatal("a key without namespace must be rejected")
	}
}

func TestParseRuntimeOptions(t *testing.T) {
	opts, err := parseRuntimeOptions(map[string]any{})
	if err != nil || !opts.typescript {
		t.Fatalf("typescript defaults to true: %+v %v", opts, err)
	}
	s, _ := structpb.NewStruct(map[string]any{"typescript": false, "nodeargs": "--max-old-space-size=4096 --enable-source-maps"})
	opts, err = parseRuntimeOptions(s.AsMap())
	if err != nil || opts.typescript || !reflect.DeepEqual(opts.nodeArgs, []string{"--max-old-space-size=4096", "--enable-source-maps"}) {
		t.Fatalf("options = %+v, %v", opts, err)
	}
	if _, err := parseRuntimeOptions(map[string]any{"typescript": "yes"}); err == nil || !strings.Contains(err.Error(), "typescript") {
		t.Fatalf("want an error naming typescript, got %v", err)
	}
}

func TestProgramEnvironmentDropsInheritedRunStateAndKeepsUserSettings(t *testing.T) {
	base := []string{
		"PATH=/bin", "PULUMI_NODEJS_DRY_RUN=true", "PULUMI_NODEJS_STACK=other", "PULUMI_NODEJS_SYNC=/x",
		"PULUMI_NODEJS_MONITOR=127.0.0.1:1", "PULUMI_CONFIG={}", "PULUMI_NODEJS_TYPESCRIPT=true",
		"PULUMI_NODEJS_TRANSPILE_ONLY=true", "PULUMI_CONFIG_PASSPHRASE=p",
	}
	cfg := []string{`PULUMI_CONFIG={"a:config:b":"c"}`, `PULUMI_CONFIG_SECRET_KEYS=[]`}
	got := programEnvironment(base, cfg, runtimeOptions{typescript: false, tsconfigPath: "tsconfig.pulumi.json"})
	want := []string{
		"PATH=/bin", "PULUMI_NODEJS_TRANSPILE_ONLY=true", "PULUMI_CONFIG_PASSPHRASE=p",
		`PULUMI_CONFIG={"a:config:b":"c"}`, `PULUMI_CONFIG_SECRET_KEYS=[]`,
		"PULUMI_NODEJS_TSCONFIG_PATH=tsconfig.pulumi.json",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("env =\n%v\nwant\n%v", got, want)
	}
	got = programEnvironment(nil, nil, runtimeOptions{typescript: true})
	if !reflect.DeepEqual(got, []string{"PULUMI_NODEJS_TYPESCRIPT=true"}) {
		t.Fatalf("typescript: env = %v", got)
	}
}

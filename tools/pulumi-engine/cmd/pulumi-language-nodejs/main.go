// Command pulumi-language-nodejs is basphere's own Node.js language host for the Pulumi engine.
//
// The upstream host (module github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) is not served by
// the Go module proxy this project can reach, so it cannot be built from published modules. This program speaks
// the same LanguageRuntime gRPC protocol (github.com/pulumi/pulumi/sdk/v3/proto/go) and starts the program with
// the `@pulumi/pulumi/cmd/run` entry point of the SDK installed next to the program, which is what the engine
// and the Node.js SDK expect. See tools/README.md for what it does and does not implement.
//
// Usage (as started by the engine): pulumi-language-nodejs [flags] <engine-address>
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// engineHealthInterval is how often the host checks that the engine that started it is still alive. The upstream
// host uses minutes; a short interval makes an orphaned host (engine killed with SIGKILL) stop its program quickly.
const engineHealthInterval = 2 * time.Second

// hostArgs is what the command line carries.
type hostArgs struct {
	engineAddress string
	tracing       string
	showVersion   bool
}

// parseArgs accepts the flags the engine may pass to any plugin (for example -tracing, -v=N, --logtostderr,
// --logflow) without failing on the ones this host does not use. The first non-flag argument is the engine address.
func parseArgs(argv []string) hostArgs {
	var out hostArgs
	for i := 0; i < len(argv); i++ {
		arg := argv[i]
		if !strings.HasPrefix(arg, "-") {
			if out.engineAddress == "" {
				out.engineAddress = arg
			}
			continue
		}
		name := strings.TrimLeft(arg, "-")
		value, hasValue := "", false
		if eq := strings.IndexByte(name, '='); eq >= 0 {
			name, value, hasValue = name[:eq], name[eq+1:], true
		}
		switch name {
		case "version":
			out.showVersion = true
		case "tracing":
			if !hasValue && i+1 < len(argv) {
				i++
				value = argv[i]
			}
			out.tracing = value
		}
	}
	return out
}

func main() {
	args := parseArgs(os.Args[1:])
	if args.showVersion {
		fmt.Println(version.Version)
		return
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	host := newHost(args.engineAddress, args.tracing)
	defer host.shutdown()

	if args.engineAddress != "" {
		// Stop (and stop the running program) when the engine goes away.
		if err := rpcutil.Healthcheck(ctx, args.engineAddress, engineHealthInterval, stop); err != nil {
			fail("could not start the engine health check: %v", err)
		}
	}

	cancel := make(chan bool)
	go func() {
		<-ctx.Done()
		host.shutdown()
		close(cancel)
	}()

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fail("could not start the language host gRPC server: %v", err)
	}

	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)

	if err := <-handle.Done; err != nil {
		fail("language host gRPC server stopped: %v", err)
	}
}

func fail(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: "+format+"\n", a...)
	os.Exit(1)
}

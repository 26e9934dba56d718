package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// fakeNode puts a `node` on PATH that behaves as FAKE_NODE says: exit with a code, or wait for SIGINT and record it.
func fakeNode(t *testing.T) (dir, mark string) {
	t.Helper()
	dir = t.TempDir()
	mark = filepath.Join(dir, "mark")
	script := `#!/bin/sh
case "$FAKE_NODE" in
  bail) echo "error already shown" >&2; exit 32 ;;
  fail) exit 3 ;;
  env) env > "$FAKE_NODE_MARK"; exit 0 ;;
  wait) trap 'echo sigint > "$FAKE_NODE_MARK"; exit 130' INT; while :; do sleep 0.05; done ;;
esac
`
	if err := os.WriteFile(filepath.Join(dir, "node"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH", "/sdk/cmd/run")
	t.Setenv("FAKE_NODE_MARK", mark)
	return dir, mark
}

func runRequest(dir string) *pulumirpc.RunRequest {
	return &pulumirpc.RunRequest{
		MonitorAddress: "127.0.0.1:1", Project: "p", Stack: "s",
		Info: &pulumirpc.ProgramInfo{RootDirectory: dir, ProgramDirectory: dir, EntryPoint: "."},
	}
}

func TestRunMapsExitCodes(t *testing.T) {
	dir, _ := fakeNode(t)
	h := newHost("", "")
	t.Setenv("FAKE_NODE", "bail")
	if resp := h.runProgram(context.Background(), runRequest(dir)); !resp.GetBail() || resp.GetError() != "" {
		t.Fatalf("exit 32: want Bail only, got %+v", resp)
	}
	t.Setenv("FAKE_NODE", "fail")
	if resp := h.runProgram(context.Background(), runRequest(dir)); resp.GetBail() ||
		!strings.Contains(resp.GetError(), "non-zero exit code: 3") {
		t.Fatalf("exit 3: want an error with the code, got %+v", resp)
	}
}

func TestRunDropsInheritedRunStateFromTheProgramEnvironment(t *testing.T) {
	dir, mark := fakeNode(t)
	t.Setenv("FAKE_NODE", "env")
	t.Setenv("PULUMI_NODEJS_DRY_RUN", "true")
	h := newHost("", "")
	if resp := h.runProgram(context.Background(), runRequest(dir)); resp.GetError() != "" {
		t.Fatal(resp.GetError())
	}
	env, err := os.ReadFile(mark)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(env), "PULUMI_NODEJS_DRY_RUN") || !strings.Contains(string(env), "PULUMI_CONFIG={}") {
		t.Fatalf("program environment:\n%s", env)
	}
}

func TestCancelSendsSIGINTToTheProgram(t *testing.T) {
	for _, how := range []string{"Cancel RPC", "Run call abandoned"} {
		t.Run(how, func(t *testing.T) {
			dir, mark := fakeNode(t)
			t.Setenv("FAKE_NODE", "wait")
			h := newHost("", "")
			ctx, abandon := context.WithCancel(context.Background())
			defer abandon()
			done := make(chan *pulumirpc.RunResponse, 1)
			go func() { done <- h.runProgram(ctx, runRequest(dir)) }()
			time.Sleep(300 * time.Millisecond) // let the program set its trap
			if how == "Cancel RPC" {
				if _, err := h.Cancel(context.Background(), nil); err != nil {
					t.Fatal(err)
				}
			} else {
				abandon()
			}
			select {
			case resp := <-done:
				if how == "Cancel RPC" && !strings.Contains(resp.GetError(), "cancelled") {
					t.Fatalf("want a cancelled error, got %+v", resp)
				}
			case <-time.After(interruptGrace - time.Second):
				t.Fatal("the program did not stop on SIGINT")
			}
			if b, err := os.ReadFile(mark); err != nil || strings.TrimSpace(string(b)) != "sigint" {
				t.Fatalf("the program did not get SIGINT: %q %v", b, err)
			}
		})
	}
}

// Command partnerflow is the single binary of Partnerflow: the dev stack, the production API
// and worker processes, migrations, the provider sandbox and a token tool.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "partnerflow:", err)
		}
		code := 2
		var es *exitStatus
		if errors.As(err, &es) {
			code = es.code
		}
		os.Exit(code)
	}
}

const usage = `partnerflow runs brand–creator partnerships as durable workflows.

Usage:
  partnerflow dev       everything on one machine (Temporal, database, sandbox, API, worker)
  partnerflow api       the REST API (production; configured by PARTNERFLOW_* variables)
  partnerflow worker    the Temporal worker (production, or --data-dir to join a dev stack)
  partnerflow migrate   apply database migrations
  partnerflow sandbox   the provider sandbox alone
  partnerflow token     print a signed bearer token
  partnerflow healthcheck  exit 0 if --url answers 2xx, 1 otherwise (container healthchecks)
  partnerflow bench     benchmarks: lifecycles against a bare-Temporal baseline, Update round trip, idle partnerships

Run "partnerflow <command> -h" for a command's flags.
`

// command is a sub-command's entry point.
type command func(ctx context.Context, args []string, stdout, stderr io.Writer) error

// devCommands are the sub-commands that embed the Temporal server. Their files are built
// without the nodev tag and add themselves here, so the production image (-tags nodev)
// carries none of the server's code.
var devCommands = map[string]command{}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("a command is required")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "api":
		return runAPI(ctx, rest, stderr)
	case "worker":
		return runWorker(ctx, rest, stderr)
	case "migrate":
		return runMigrate(ctx, rest, stdout, stderr)
	case "sandbox":
		return runSandbox(ctx, rest, stderr)
	case "token":
		return runToken(rest, stdout, stderr)
	case "healthcheck":
		return runHealthcheck(ctx, rest, stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	if c, ok := devCommands[cmd]; ok {
		return c(ctx, rest, stdout, stderr)
	}
	if cmd == "dev" || cmd == "bench" {
		return fmt.Errorf("this binary was built without the dev stack (-tags nodev); use the full build for `partnerflow %s`", cmd)
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

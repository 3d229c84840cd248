// Package cli owns the mortar command tree: parsing arguments, running the
// command, printing human tables or JSON, and the exit status.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// command is one node of the command tree. A command has either sub
// commands or a run function.
type command struct {
	name    string
	usage   string // arguments after the command path, for --help
	summary string
	sub     []*command
	// flags declares the command's flags on fs; run receives the
	// positional arguments left after parsing.
	flags func(fs *flag.FlagSet)
	run   func(ctx context.Context, env *env, args []string) error
}

// env is what a running command may touch: its output streams.
type env struct {
	stdout io.Writer
	stderr io.Writer
}

// usageError is a mistake in the command line: the command's usage is printed.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// Main runs the command line args (args[0] is the program name) and returns
// the exit status.
func Main(args []string) int {
	e := &env{stdout: os.Stdout, stderr: os.Stderr}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if filepath.Base(args[0]) == "mount.mortar" {
		return runHelper(ctx, e, args[1:])
	}
	return dispatch(ctx, e, root(), []string{"mortar"}, args[1:])
}

func root() *command {
	return &command{
		name:    "mortar",
		summary: "replicated POSIX filesystem",
		sub:     commands(),
	}
}

func dispatch(ctx context.Context, e *env, c *command, path []string, args []string) int {
	if len(c.sub) > 0 {
		if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
			printHelp(e.stdout, c, path)
			if len(args) == 0 {
				return exitUsage
			}
			return exitOK
		}
		for _, s := range c.sub {
			if s.name == args[0] {
				return dispatch(ctx, e, s, append(path, s.name), args[1:])
			}
		}
		fmt.Fprintf(e.stderr, "%s: unknown command %q (see %s --help)\n", strings.Join(path, " "), args[0], strings.Join(path, " "))
		return exitUsage
	}
	fs := flag.NewFlagSet(strings.Join(path, " "), flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if c.flags != nil {
		c.flags(fs)
	}
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printHelp(e.stdout, c, path)
			fs.SetOutput(e.stdout)
			fs.PrintDefaults()
			return exitOK
		}
		fmt.Fprintf(e.stderr, "%s: %v\n", strings.Join(path, " "), err)
		return exitUsage
	}
	err = c.run(ctx, e, pos)
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "%s: %v\nusage: %s %s\n", strings.Join(path, " "), err, strings.Join(path, " "), c.usage)
		return exitUsage
	default:
		fmt.Fprintf(e.stderr, "%s: %v\n", strings.Join(path, " "), err)
		return exitFail
	}
}

func printHelp(w io.Writer, c *command, path []string) {
	fmt.Fprintf(w, "%s — %s\n\nusage: %s %s\n", strings.Join(path, " "), c.summary, strings.Join(path, " "), c.usage)
	if len(c.sub) > 0 {
		subs := append([]*command(nil), c.sub...)
		sort.Slice(subs, func(i, j int) bool { return subs[i].name < subs[j].name })
		fmt.Fprintf(w, "\ncommands:\n")
		for _, s := range subs {
			fmt.Fprintf(w, "  %-12s %s\n", s.name, s.summary)
		}
	}
}

// parseInterleaved parses flags that may come before, between or after the
// positional arguments (mount(8) passes "SOURCE DIR -o OPTIONS"); "--" ends
// flag parsing.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

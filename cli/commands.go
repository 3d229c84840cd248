package cli

import (
	"context"
	"fmt"
	"runtime/debug"
)

// commands lists the top-level commands.
func commands() []*command {
	return []*command{
		brickdCmd(),
		daemonCmd(),
		healCmd(),
		mountCmd(),
		peerCmd(),
		poolCmd(),
		versionCmd(),
		volumeCmd(),
	}
}

func versionCmd() *command {
	return &command{
		name:    "version",
		summary: "print the build's version",
		run: func(_ context.Context, e *env, args []string) error {
			if len(args) > 0 {
				return usagef("version takes no arguments")
			}
			v := "(devel)"
			if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
				v = bi.Main.Version
			}
			fmt.Fprintf(e.stdout, "mortar %s\n", v)
			return nil
		},
	}
}

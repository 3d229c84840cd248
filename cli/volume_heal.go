package cli

import (
	"context"
	"errors"
)

// volumeHealCmd is `volume heal`; the self-heal engineer replaces this file.
func volumeHealCmd() *command {
	return &command{
		name:    "heal",
		usage:   "NAME [full|info|info split-brain|split-brain POLICY PATH]",
		summary: "heal a replicated volume (not built yet)",
		run: func(context.Context, *env, []string) error {
			return errors.New("volume heal: not built yet")
		},
	}
}

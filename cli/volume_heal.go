package cli

import (
	"context"
	"flag"
)

// volumeHealCmd is `volume heal NAME [full|info|info split-brain|split-brain
// POLICY PATH]`: the volfile comes from the daemon (its socket or
// --remote-host), the heal runs in this process with `mortar heal`'s engine,
// as GlusterFS's glfsheal does; the self-heal daemons keep healing on their
// own meanwhile.
func volumeHealCmd() *command {
	var (
		m    mgmtFlags
		logf logFlags
	)
	return &command{
		name:  "heal",
		usage: "NAME [full|info|info split-brain|split-brain bigger-file|latest-mtime PATH|split-brain source-brick HOST:/BRICK PATH]",
		summary: "heal a replicated volume now (index heal; full: every file), list what needs heal " +
			"(info, info split-brain), or resolve a split-brain file by a policy",
		flags: func(fs *flag.FlagSet) {
			m.register(fs)
			logf.register(fs)
			_ = fs.Set("log-level", "error") // the output is the report (an unreachable brick included); logs only what broke
			fs.Lookup("log-level").DefValue = "error"
		},
		run: func(ctx context.Context, e *env, args []string) error {
			return volumeHeal(ctx, e, m.target(), args, m.json, &logf)
		},
	}
}

package cli

import (
	"context"
	"fmt"
	"strconv"

	"github.com/mortarfs/mortar/proto/mgmtpb"
)

func volumeCmd() *command {
	return &command{
		name:    "volume",
		usage:   "create|start|stop|delete|info|status|list|set|get|reset|heal ...",
		summary: "manage volumes",
		sub: []*command{
			volumeCreateCmd(),
			volumeSimpleCmd("start", "start a volume: its bricks are served and clients may mount it", true),
			volumeSimpleCmd("stop", "stop a volume: its bricks are no longer served", true),
			volumeSimpleCmd("delete", "delete a stopped volume (the brick directories stay)", false),
			volumeInfoCmd(),
			volumeStatusCmd(),
			volumeListCmd(),
			volumeSetCmd(),
			volumeGetCmd(),
			volumeResetCmd(),
			volumeHealCmd(),
		},
	}
}

// parseCreate parses `NAME [replica N [arbiter 1]] [transport tcp] BRICK... [force]`.
func parseCreate(args []string) (*mgmtpb.VolumeCreateRequest, error) {
	if len(args) == 0 {
		return nil, usagef("want a volume name")
	}
	r := &mgmtpb.VolumeCreateRequest{Name: args[0]}
	rest := args[1:]
	for len(rest) > 0 {
		switch rest[0] {
		case "replica":
			if len(rest) < 2 {
				return nil, usagef("replica needs a count")
			}
			n, err := strconv.Atoi(rest[1])
			if err != nil || n < 1 {
				return nil, usagef("replica %q: want a count", rest[1])
			}
			r.Replica, rest = int32(n), rest[2:]
			continue
		case "arbiter":
			if len(rest) < 2 || rest[1] != "1" {
				return nil, usagef("want arbiter 1")
			}
			r.Arbiter, rest = true, rest[2:]
			continue
		case "transport":
			if len(rest) < 2 || rest[1] != "tcp" {
				return nil, usagef("only transport tcp is supported")
			}
			rest = rest[2:]
			continue
		}
		break
	}
	if n := len(rest); n > 0 && rest[n-1] == "force" {
		r.Force, rest = true, rest[:n-1]
	}
	if len(rest) == 0 {
		return nil, usagef("want at least one brick HOST:/PATH")
	}
	r.Bricks = rest
	return r, nil
}

func volumeCreateCmd() *command {
	var m mgmtFlags
	return &command{
		name:    "create",
		usage:   "NAME [replica N [arbiter 1]] HOST:/PATH ... [force]",
		summary: "create a volume from bricks (consecutive groups of N bricks form a replica set)",
		flags:   m.register,
		run: func(ctx context.Context, e *env, args []string) error {
			req, err := parseCreate(args)
			if err != nil {
				return err
			}
			return m.call(ctx, func(ctx context.Context, c mgmtpb.PoolClient) error {
				r, err := c.VolumeCreate(ctx, req)
				return printVolumeReply(e, &m, r, err)
			})
		},
	}
}

func printVolumeReply(e *env, m *mgmtFlags, r *mgmtpb.VolumeReply, err error) error {
	if err != nil {
		return err
	}
	if m.json {
		return printJSON(e.stdout, r)
	}
	fmt.Fprintln(e.stdout, r.GetMessage())
	return nil
}

// volumeSimpleCmd is start, stop and delete.
func volumeSimpleCmd(op, summary string, hasForce bool) *command {
	var m mgmtFlags
	usage := "NAME"
	if hasForce {
		usage = "NAME [force]"
	}
	return &command{
		name:    op,
		usage:   usage,
		summary: summary,
		flags:   m.register,
		run: func(ctx context.Context, e *env, args []string) error {
			force := hasForce && len(args) == 2 && args[1] == "force"
			if len(args) < 1 || len(args) > 2 || (len(args) == 2 && !force) {
				return usagef("want %s", usage)
			}
			req := &mgmtpb.VolumeRequest{Name: args[0], Force: force}
			return m.call(ctx, func(ctx context.Context, c mgmtpb.PoolClient) error {
				var r *mgmtpb.VolumeReply
				var err error
				switch op {
				case "start":
					r, err = c.VolumeStart(ctx, req)
				case "stop":
					r, err = c.VolumeStop(ctx, req)
				default:
					r, err = c.VolumeDelete(ctx, req)
				}
				return printVolumeReply(e, &m, r, err)
			})
		},
	}
}

func volumeSetCmd() *command {
	var m mgmtFlags
	return &command{
		name:    "set",
		usage:   "NAME OPTION VALUE [OPTION VALUE ...]",
		summary: "set volume options (see volume get NAME all)",
		flags:   m.register,
		run: func(ctx context.Context, e *env, args []string) error {
			if len(args) < 3 || len(args)%2 != 1 {
				return usagef("want NAME OPTION VALUE")
			}
			opts := map[string]string{}
			for i := 1; i < len(args); i += 2 {
				opts[args[i]] = args[i+1]
			}
			return m.call(ctx, func(ctx context.Context, c mgmtpb.PoolClient) error {
				r, err := c.VolumeSet(ctx, &mgmtpb.VolumeSetRequest{Name: args[0], Options: opts})
				return printVolumeReply(e, &m, r, err)
			})
		},
	}
}

func volumeResetCmd() *command {
	var m mgmtFlags
	return &command{
		name:    "reset",
		usage:   "NAME [OPTION ...]",
		summary: "reset volume options to their defaults (all of them when none is named)",
		flags:   m.register,
		run: func(ctx context.Context, e *env, args []string) error {
			if len(args) < 1 {
				return usagef("want NAME [OPTION ...]")
			}
			opts := args[1:]
			if len(opts) == 1 && opts[0] == "all" {
				opts = nil
			}
			return m.call(ctx, func(ctx context.Context, c mgmtpb.PoolClient) error {
				r, err := c.VolumeReset(ctx, &mgmtpb.VolumeResetRequest{Name: args[0], Options: opts})
				return printVolumeReply(e, &m, r, err)
			})
		},
	}
}

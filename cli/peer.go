package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/mortarfs/mortar/proto/mgmtpb"
)

func peerCmd() *command {
	return &command{
		name:    "peer",
		usage:   "probe|detach|status ...",
		summary: "manage the trusted pool",
		sub:     []*command{peerProbeCmd(), peerDetachCmd(), peerStatusCmd()},
	}
}

func peerProbeCmd() *command {
	var m mgmtFlags
	return &command{
		name:    "probe",
		usage:   "HOST[:PORT]",
		summary: "add the daemon at HOST to the pool",
		flags:   m.register,
		run: func(ctx context.Context, e *env, args []string) error {
			if len(args) != 1 {
				return usagef("want one HOST")
			}
			return m.call(ctx, func(ctx context.Context, c mgmtpb.PoolClient) error {
				r, err := c.Probe(ctx, &mgmtpb.ProbeRequest{Host: args[0]})
				if err != nil {
					return err
				}
				if m.json {
					return printJSON(e.stdout, r)
				}
				fmt.Fprintln(e.stdout, r.GetMessage())
				return nil
			})
		},
	}
}

func peerDetachCmd() *command {
	var m mgmtFlags
	return &command{
		name:    "detach",
		usage:   "HOST [force]",
		summary: "remove a peer from the pool (refused while it holds bricks, unless force)",
		flags:   m.register,
		run: func(ctx context.Context, e *env, args []string) error {
			if len(args) < 1 || len(args) > 2 || (len(args) == 2 && args[1] != "force") {
				return usagef("want HOST [force]")
			}
			return m.call(ctx, func(ctx context.Context, c mgmtpb.PoolClient) error {
				r, err := c.Detach(ctx, &mgmtpb.DetachRequest{Host: args[0], Force: len(args) == 2})
				if err != nil {
					return err
				}
				if m.json {
					return printJSON(e.stdout, r)
				}
				fmt.Fprintln(e.stdout, r.GetMessage())
				return nil
			})
		},
	}
}

func peerStatusCmd() *command {
	var m mgmtFlags
	return &command{
		name:    "status",
		summary: "list the other peers of the pool and their state",
		flags:   m.register,
		run: func(ctx context.Context, e *env, args []string) error {
			if len(args) > 0 {
				return usagef("peer status takes no arguments")
			}
			return m.call(ctx, func(ctx context.Context, c mgmtpb.PoolClient) error {
				r, err := c.Peers(ctx, &mgmtpb.PeersRequest{})
				if err != nil {
					return err
				}
				if m.json {
					return printJSON(e.stdout, r)
				}
				var others []*mgmtpb.PeerInfo
				for _, p := range r.GetPeers() {
					if p.GetUuid() != r.GetSelf() {
						others = append(others, p)
					}
				}
				fmt.Fprintf(e.stdout, "Number of Peers: %d\n", len(others))
				for _, p := range others {
					fmt.Fprintf(e.stdout, "\nHostname: %s\nUuid: %s\nState: Peer in Cluster (%s)\n", p.GetHost(), p.GetUuid(), p.GetState())
				}
				return nil
			})
		},
	}
}

func poolCmd() *command {
	return &command{
		name:    "pool",
		usage:   "list",
		summary: "the trusted pool",
		sub:     []*command{poolListCmd()},
	}
}

func poolListCmd() *command {
	var m mgmtFlags
	return &command{
		name:    "list",
		summary: "list every peer of the pool, this one as localhost",
		flags:   m.register,
		run: func(ctx context.Context, e *env, args []string) error {
			if len(args) > 0 {
				return usagef("pool list takes no arguments")
			}
			return m.call(ctx, func(ctx context.Context, c mgmtpb.PoolClient) error {
				r, err := c.Peers(ctx, &mgmtpb.PeersRequest{})
				if err != nil {
					return err
				}
				if m.json {
					return printJSON(e.stdout, r)
				}
				tw := tabwriter.NewWriter(e.stdout, 0, 8, 2, ' ', 0)
				fmt.Fprintln(tw, "UUID\tHostname\tState\tRaft")
				for _, p := range r.GetPeers() {
					host := p.GetHost()
					if p.GetUuid() == r.GetSelf() {
						host = "localhost"
					}
					role := p.GetRole()
					if p.GetUuid() == r.GetLeader() {
						role += " (leader)"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.GetUuid(), host, p.GetState(), role)
				}
				return tw.Flush()
			})
		},
	}
}

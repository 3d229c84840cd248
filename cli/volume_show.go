package cli

import (
	"context"
	"fmt"
	"sort"
	"text/tabwriter"

	"github.com/mortarfs/mortar/proto/mgmtpb"
)

// The commands that show volumes: info, status, list, get.

func volumeInfoCmd() *command {
	var m mgmtFlags
	return &command{
		name:    "info",
		usage:   "[NAME]",
		summary: "describe a volume, or all volumes",
		flags:   m.register,
		run: func(ctx context.Context, e *env, args []string) error {
			if len(args) > 1 {
				return usagef("want at most one NAME")
			}
			req := &mgmtpb.VolumeInfoRequest{}
			if len(args) == 1 && args[0] != "all" {
				req.Name = args[0]
			}
			return m.call(ctx, func(ctx context.Context, c mgmtpb.PoolClient) error {
				r, err := c.VolumeInfo(ctx, req)
				if err != nil {
					return err
				}
				if m.json {
					return printJSON(e.stdout, r)
				}
				if len(r.GetVolumes()) == 0 {
					fmt.Fprintln(e.stdout, "No volumes present")
				}
				for _, v := range r.GetVolumes() {
					printVolumeInfo(e, v)
				}
				return nil
			})
		},
	}
}

func printVolumeInfo(e *env, v *mgmtpb.VolumeInfo) {
	w := e.stdout
	replica := max(int(v.GetReplica()), 1)
	n := len(v.GetBricks())
	fmt.Fprintf(w, "\nVolume Name: %s\nType: %s\nVolume ID: %s\nStatus: %s\n", v.GetName(), v.GetType(), v.GetId(), v.GetStatus())
	if replica > 1 {
		arb := ""
		if v.GetArbiter() {
			arb = " (2 + 1)"
		}
		fmt.Fprintf(w, "Number of Bricks: %d x %d%s = %d\n", n/replica, replica, arb, n)
	} else {
		fmt.Fprintf(w, "Number of Bricks: %d\n", n)
	}
	fmt.Fprintf(w, "Transport-type: tcp\nBricks:\n")
	for i, b := range v.GetBricks() {
		arb := ""
		if b.GetArbiter() {
			arb = " (arbiter)"
		}
		fmt.Fprintf(w, "Brick%d: %s:%s%s\n", i+1, b.GetHost(), b.GetPath(), arb)
	}
	if len(v.GetOptions()) > 0 {
		fmt.Fprintf(w, "Options Reconfigured:\n")
		keys := make([]string, 0, len(v.GetOptions()))
		for k := range v.GetOptions() {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "%s: %s\n", k, v.GetOptions()[k])
		}
	}
}

func volumeListCmd() *command {
	var m mgmtFlags
	return &command{
		name:    "list",
		summary: "list the volumes",
		flags:   m.register,
		run: func(ctx context.Context, e *env, args []string) error {
			if len(args) > 0 {
				return usagef("volume list takes no arguments")
			}
			return m.call(ctx, func(ctx context.Context, c mgmtpb.PoolClient) error {
				r, err := c.VolumeInfo(ctx, &mgmtpb.VolumeInfoRequest{})
				if err != nil {
					return err
				}
				if m.json {
					names := []string{}
					for _, v := range r.GetVolumes() {
						names = append(names, v.GetName())
					}
					return writeJSON(e.stdout, map[string]any{"volumes": names})
				}
				if len(r.GetVolumes()) == 0 {
					fmt.Fprintln(e.stdout, "No volumes present in cluster")
				}
				for _, v := range r.GetVolumes() {
					fmt.Fprintln(e.stdout, v.GetName())
				}
				return nil
			})
		},
	}
}

func volumeStatusCmd() *command {
	var m mgmtFlags
	return &command{
		name:    "status",
		usage:   "[NAME]",
		summary: "show the bricks of started volumes: host, port, online, pid, disk free",
		flags:   m.register,
		run: func(ctx context.Context, e *env, args []string) error {
			if len(args) > 1 {
				return usagef("want at most one NAME")
			}
			req := &mgmtpb.VolumeInfoRequest{}
			if len(args) == 1 && args[0] != "all" {
				req.Name = args[0]
			}
			return m.call(ctx, func(ctx context.Context, c mgmtpb.PoolClient) error {
				r, err := c.VolumeStatus(ctx, req)
				if err != nil {
					return err
				}
				if m.json {
					return printJSON(e.stdout, r)
				}
				if len(r.GetVolumes()) == 0 {
					fmt.Fprintln(e.stdout, "No volumes are started")
				}
				for _, v := range r.GetVolumes() {
					fmt.Fprintf(e.stdout, "Status of volume: %s\n", v.GetName())
					tw := tabwriter.NewWriter(e.stdout, 0, 8, 2, ' ', 0)
					fmt.Fprintln(tw, "Brick\tTCP Port\tOnline\tPid\tDisk Free\tDisk Total")
					for _, b := range v.GetBricks() {
						online, port, pid := "N", "N/A", "N/A"
						if b.GetOnline() {
							online, port, pid = "Y", fmt.Sprint(b.GetPort()), fmt.Sprint(b.GetPid())
						}
						fmt.Fprintf(tw, "%s:%s\t%s\t%s\t%s\t%s\t%s\n", b.GetHost(), b.GetPath(), port, online, pid, human(b.GetDiskFree(), b.GetOnline()), human(b.GetDiskTotal(), b.GetOnline()))
					}
					_ = tw.Flush()
					fmt.Fprintln(e.stdout)
				}
				return nil
			})
		},
	}
}

// human formats a byte count as gluster does (1.5GB).
func human(n uint64, known bool) string {
	if !known {
		return "N/A"
	}
	units := []string{"B", "KB", "MB", "GB", "TB", "PB"}
	f, i := float64(n), 0
	for f >= 1024 && i < len(units)-1 {
		f, i = f/1024, i+1
	}
	return fmt.Sprintf("%.1f%s", f, units[i])
}

func volumeGetCmd() *command {
	var m mgmtFlags
	return &command{
		name:    "get",
		usage:   "NAME OPTION|all",
		summary: "show volume options with their values (defaults included)",
		flags:   m.register,
		run: func(ctx context.Context, e *env, args []string) error {
			if len(args) != 2 {
				return usagef("want NAME OPTION|all")
			}
			return m.call(ctx, func(ctx context.Context, c mgmtpb.PoolClient) error {
				r, err := c.VolumeGet(ctx, &mgmtpb.VolumeGetRequest{Name: args[0], Option: args[1]})
				if err != nil {
					return err
				}
				if m.json {
					return printJSON(e.stdout, r)
				}
				tw := tabwriter.NewWriter(e.stdout, 0, 8, 2, ' ', 0)
				fmt.Fprintln(tw, "Option\tValue")
				fmt.Fprintln(tw, "------\t-----")
				for _, o := range r.GetOptions() {
					v := o.GetValue()
					if o.GetIsDefault() {
						v += " (DEFAULT)"
					}
					fmt.Fprintf(tw, "%s\t%s\n", o.GetName(), v)
				}
				return tw.Flush()
			})
		},
	}
}

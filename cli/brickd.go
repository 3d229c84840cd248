package cli

import (
	"context"
	"flag"
	"fmt"
	"net"
	"strings"

	"github.com/mortarfs/mortar/brickd"
)

// brickFlags collects repeated --brick NAME=PATH flags.
type brickFlags []brickd.BrickConfig

func (b *brickFlags) String() string { return fmt.Sprint(*b) }

func (b *brickFlags) Set(s string) error {
	name, path, ok := strings.Cut(s, "=")
	if !ok || name == "" || path == "" || strings.Contains(name, "/") {
		return fmt.Errorf("want NAME=PATH, got %q", s)
	}
	*b = append(*b, brickd.BrickConfig{Name: name, Path: path})
	return nil
}

func brickdCmd() *command {
	var (
		listen   string
		bricks   brickFlags
		volumeID string
		logf     logFlags
	)
	return &command{
		name:    "brickd",
		usage:   "--listen ADDR --brick NAME=PATH [--brick NAME=PATH ...]",
		summary: "serve brick directories over gRPC (standalone brick server)",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&listen, "listen", "127.0.0.1:7501", "address to serve on")
			fs.Var(&bricks, "brick", "a brick to serve, NAME=PATH (repeatable)")
			fs.StringVar(&volumeID, "volume-id", "", "volume uuid the bricks must belong to (optional)")
			logf.register(fs)
		},
		run: func(ctx context.Context, e *env, args []string) error {
			if len(args) > 0 {
				return usagef("unexpected argument %q", args[0])
			}
			if len(bricks) == 0 {
				return usagef("at least one --brick NAME=PATH is needed")
			}
			log, closeLog, err := logf.logger(e.stderr)
			if err != nil {
				return err
			}
			defer closeLog()
			srv, err := brickd.New(brickd.Config{Bricks: bricks, VolumeID: volumeID, Logger: log})
			if err != nil {
				return err
			}
			lis, err := net.Listen("tcp", listen)
			if err != nil {
				_ = srv.Close()
				return fmt.Errorf("listen: %w", err)
			}
			log.Info("brick server listening", "addr", lis.Addr().String(), "bricks", len(bricks))
			return srv.Serve(ctx, lis)
		},
	}
}

package volfile

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/mortarfs/mortar/proto/mgmtpb"
)

// Watch follows the volfile of cfg.Volume until ctx ends: fn gets every
// volfile whose version is above after (and above the last one fn got),
// in order, from Watch's goroutine. fn should not block for long.
func Watch(ctx context.Context, cfg Config, after uint64, fn func(Fetched)) {
	cfg = cfg.withDefaults()
	log := cfg.Logger.With("volume", cfg.Volume)
	backoff := backoffMin
	for i := 0; ctx.Err() == nil; i++ {
		if len(cfg.Servers) == 0 {
			return
		}
		server := cfg.Servers[i%len(cfg.Servers)]
		got, err := watchOne(ctx, cfg, server, &after, fn)
		if ctx.Err() != nil {
			return
		}
		if got {
			backoff = backoffMin
		}
		var r *refusal
		switch {
		case errors.As(err, &r):
			log.Warn("volfile watch refused; the mount keeps its last volfile", "server", server, "err", err)
		default:
			log.Info("volfile watch lost; reconnecting", "server", server, "err", err, "retry_in", backoff)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, backoffMax)
	}
}

// watchOne runs one stream to server until it fails; got says whether it
// delivered a volfile (a working server: the backoff starts over).
func watchOne(ctx context.Context, cfg Config, server string, after *uint64, fn func(Fetched)) (got bool, err error) {
	addr, err := ServerAddr(server)
	if err != nil {
		return false, err
	}
	cc, err := dial(addr, cfg)
	if err != nil {
		return false, err
	}
	defer cc.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := mgmtpb.NewMgmtClient(cc).WatchVolfile(ctx, &mgmtpb.VolfileRequest{Volume: cfg.Volume, Client: cfg.Client})
	if err != nil {
		return false, err
	}
	for {
		rep, err := stream.Recv()
		if err == io.EOF {
			return got, errors.New("stream ended by the server")
		}
		if err != nil {
			if r := classify(addr, err); r != nil {
				return got, r
			}
			return got, err
		}
		got = true
		if rep.GetVersion() <= *after {
			continue
		}
		f, err := decode(addr, rep)
		if err != nil {
			cfg.Logger.Error("volfile ignored", "server", addr, "version", rep.GetVersion(), "err", err)
			continue
		}
		*after = f.Version
		fn(f)
	}
}

package volfile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/mortarfs/mortar/proto/mgmtpb"
	"github.com/mortarfs/mortar/volume"
)

// Fetched is one volfile as a server sent it.
type Fetched struct {
	Version uint64
	Volfile *volume.Volfile
	// Server is the server that sent it (HOST:PORT).
	Server string
	// ServerIndex is its index in Config.Servers (Fetch only).
	ServerIndex int
}

// Fetch returns the volfile of cfg.Volume from the first server that
// answers (see the package comment).
func Fetch(ctx context.Context, cfg Config) (Fetched, error) {
	cfg = cfg.withDefaults()
	if len(cfg.Servers) == 0 {
		return Fetched{}, errors.New("no volfile server given")
	}
	var errs []error
	for i, s := range cfg.Servers {
		f, err := fetchFrom(ctx, cfg, s)
		if err == nil {
			f.ServerIndex = i
			return f, nil
		}
		var r *refusal
		if errors.As(err, &r) {
			return Fetched{}, err
		}
		if ctx.Err() != nil {
			return Fetched{}, fmt.Errorf("fetch volfile of %s: %w", cfg.Volume, ctx.Err())
		}
		cfg.Logger.Warn("volfile server did not answer", "server", s, "err", err)
		errs = append(errs, err)
	}
	return Fetched{}, fmt.Errorf("%w for volume %s: %w", ErrUnreachable, cfg.Volume, errors.Join(errs...))
}

// fetchFrom asks one server, within cfg.Timeout.
func fetchFrom(ctx context.Context, cfg Config, server string) (Fetched, error) {
	addr, err := ServerAddr(server)
	if err != nil {
		return Fetched{}, err
	}
	cc, err := dial(addr, cfg)
	if err != nil {
		return Fetched{}, fmt.Errorf("%s: %w", addr, err)
	}
	defer cc.Close()
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	rep, err := mgmtpb.NewMgmtClient(cc).GetVolfile(ctx, &mgmtpb.VolfileRequest{Volume: cfg.Volume, Client: cfg.Client})
	if err != nil {
		if r := classify(addr, err); r != nil {
			return Fetched{}, r
		}
		return Fetched{}, fmt.Errorf("%s: %w", addr, err)
	}
	return decode(addr, rep)
}

// dial makes a client connection to addr; it never blocks.
func dial(addr string, cfg Config) (*grpc.ClientConn, error) {
	opts := append([]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}, cfg.DialOptions...)
	return grpc.NewClient(addr, opts...)
}

// decode checks and decodes a reply.
func decode(server string, rep *mgmtpb.VolfileReply) (Fetched, error) {
	vf := &volume.Volfile{}
	if err := json.Unmarshal(rep.GetVolfile(), vf); err != nil {
		return Fetched{}, fmt.Errorf("%s: volfile: %w", server, err)
	}
	if err := vf.Validate(); err != nil {
		return Fetched{}, fmt.Errorf("%s: volfile: %w", server, err)
	}
	return Fetched{Version: rep.GetVersion(), Volfile: vf, Server: server}, nil
}

// StartingAt returns c with its servers rotated to start at index i: a
// watch starts at the server the volfile came from.
func (c Config) StartingAt(i int) Config {
	if i <= 0 || i >= len(c.Servers) {
		return c
	}
	c.Servers = append(append([]string(nil), c.Servers[i:]...), c.Servers[:i]...)
	return c
}

func (c Config) withDefaults() Config {
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

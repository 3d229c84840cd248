package mount

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"google.golang.org/grpc"

	"github.com/mortarfs/mortar/mount/afr"
	"github.com/mortarfs/mortar/mount/client"
	"github.com/mortarfs/mortar/mount/dht"
	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/mount/heal"
	"github.com/mortarfs/mortar/volume"
)

// stack is the client stack of one volume below fusefs.
type stack struct {
	top     *swapVolume
	sets    []fop.Volume // per volfile set, in order
	names   []string
	bricks  []*client.Brick
	healers []*heal.Engine
}

// buildStack connects to every brick of vf and composes the layers: with
// replica 1 each set is its brick; with more, each set is a replica set
// (afr) over its bricks, healing what its lookups find in the background.
func buildStack(vf *volume.Volfile, o Options, log *slog.Logger) (*stack, error) {
	if err := vf.Validate(); err != nil {
		return nil, err
	}
	s := &stack{}
	sets := make([]fop.Volume, 0, len(vf.Sets))
	names := make([]string, 0, len(vf.Sets))
	for _, set := range vf.Sets {
		v, err := s.buildSet(vf, set, o, log)
		if err != nil {
			s.close()
			return nil, err
		}
		sets = append(sets, v)
		names = append(names, set.Name)
	}
	top, err := dht.New(sets, names, &vf.Layout, log)
	if err != nil {
		for _, v := range sets {
			_ = v.Close()
		}
		s.closeHealers()
		return nil, err
	}
	s.top, s.sets, s.names = newSwapVolume(top), sets, names
	return s, nil
}

// buildSet connects to the bricks of one set and returns its volume.
func (s *stack) buildSet(vf *volume.Volfile, set volume.ReplicaSet, o Options, log *slog.Logger) (fop.Volume, error) {
	// FailFast: an operation on a brick known to be down fails at once with
	// ENOTCONN, as on GlusterFS, instead of waiting for a reconnect that
	// may never come; replication skips such bricks anyway.
	copts := client.Options{Logger: log, FailFast: true, DialOptions: []grpc.DialOption{
		grpc.WithWriteBufferSize(1 << 20), grpc.WithReadBufferSize(1 << 20),
		grpc.WithInitialWindowSize(16 << 20), grpc.WithInitialConnWindowSize(32 << 20),
	}}
	kids := make([]fop.Brick, 0, len(set.Bricks))
	for _, ref := range set.Bricks {
		b, err := client.New(ref, copts)
		if err != nil {
			return nil, fmt.Errorf("brick %s: %w", ref, err)
		}
		s.bricks = append(s.bricks, b)
		kids = append(kids, b)
	}
	if vf.Replica == 1 {
		return kids[0].(*client.Brick), nil
	}
	healer := heal.New(heal.Set{Name: set.Name, Bricks: kids, Arbiter: vf.Arbiter},
		heal.Options{Policy: o.FavoriteChildPolicy, Logger: log})
	healer.Start()
	s.healers = append(s.healers, healer)
	r, err := afr.New(kids, afr.Options{
		Name:                set.Name,
		Arbiter:             vf.Arbiter,
		QuorumType:          o.QuorumType,
		QuorumCount:         o.QuorumCount,
		StaleReads:          o.StaleReads,
		PostOpDelay:         o.PostOpDelay,
		FavoriteChildPolicy: o.FavoriteChildPolicy,
		Healer:              healer,
		Logger:              log,
	})
	if err != nil {
		return nil, fmt.Errorf("volume %s: %w", vf.Name, err)
	}
	return r, nil
}

// waitBricks waits until every brick has a session, up to timeout. A
// volume with some bricks down still mounts (their files fail with
// ENOTCONN, as with GlusterFS; a replica set serves from the others); a
// volume with none up does not.
func (s *stack) waitBricks(ctx context.Context, timeout time.Duration, log *slog.Logger) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var errs []error
	up := 0
	for _, b := range s.bricks {
		if err := b.WaitReady(ctx); err != nil {
			log.Warn("brick not reachable at mount time", "brick", b.Name(), "err", err)
			errs = append(errs, fmt.Errorf("brick %s: %w", b.Name(), err))
			continue
		}
		up++
	}
	if up == 0 {
		return fmt.Errorf("no brick reachable: %w", errors.Join(errs...))
	}
	return nil
}

// close stops the healers, then closes the layers (and so the bricks).
func (s *stack) close() {
	s.closeHealers()
	if s.top != nil {
		_ = s.top.Close()
		return
	}
	for _, b := range s.bricks {
		_ = b.Close()
	}
}

func (s *stack) closeHealers() {
	for _, h := range s.healers {
		_ = h.Close()
	}
	s.healers = nil
}

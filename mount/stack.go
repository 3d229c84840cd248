package mount

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/mortarfs/mortar/mount/client"
	"github.com/mortarfs/mortar/mount/dht"
	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/volume"
)

// stack is the client stack of one volume below fusefs.
type stack struct {
	top    fop.Volume
	bricks []*client.Brick
}

// buildStack connects to every brick of vf and composes the layers.
func buildStack(vf *volume.Volfile, log *slog.Logger) (*stack, error) {
	if err := vf.Validate(); err != nil {
		return nil, err
	}
	if vf.Replica != 1 {
		return nil, fmt.Errorf("volume %s: replica %d: replication is not available in this build", vf.Name, vf.Replica)
	}
	s := &stack{}
	sets := make([]fop.Volume, 0, len(vf.Sets))
	names := make([]string, 0, len(vf.Sets))
	for _, set := range vf.Sets {
		b, err := client.New(set.Bricks[0], client.Options{Logger: log})
		if err != nil {
			s.close()
			return nil, fmt.Errorf("brick %s: %w", set.Bricks[0], err)
		}
		s.bricks = append(s.bricks, b)
		sets = append(sets, b)
		names = append(names, set.Name)
	}
	top, err := dht.New(sets, names, &vf.Layout, log)
	if err != nil {
		s.close()
		return nil, err
	}
	s.top = top
	return s, nil
}

// waitBricks waits until every brick has a session, up to timeout. A
// volume with some bricks down still mounts (their files fail with
// ENOTCONN, as with GlusterFS); a volume with none up does not.
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

func (s *stack) close() {
	if s.top != nil {
		_ = s.top.Close()
		return
	}
	for _, b := range s.bricks {
		_ = b.Close()
	}
}

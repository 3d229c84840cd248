// Package shd is the self-heal daemon of one volume on one peer: the same
// client stack as a mount, without fusefs (brick clients and the heal
// engine of mount/heal, one engine per replica set), crawling the dirty
// indexes of the sets where this peer hosts a brick.
//
// The contract:
//   - Start runs one Daemon per started replicated volume that has a brick
//     on this peer; the node daemon (peer/) owns it and calls Update when
//     the volume's volfile changes and Stop when the volume stops, is
//     deleted or the node daemon exits. A volume with replica 1 has
//     nothing to heal: Start returns a Daemon that does nothing.
//   - Every Interval (default 60 s) the Daemon runs an index crawl
//     (heal.Engine.CrawlIndex, what `mortar heal` runs) of each set it
//     watches, and at once when a brick of the set (re)connects: a brick
//     that comes back is healed within seconds, not at the next tick.
//   - Of the peers hosting bricks of a set, the one whose brick comes
//     first in the set among the connected ones crawls it; the others
//     wait. Two crawls of one set at once would be safe (heals take the
//     afr locks) but wasteful. If that peer is down, the next one takes
//     over; a partition can make two crawl at once, which is harmless.
//   - A set with fewer than two connected bricks is skipped: there is
//     nothing to heal from.
//   - Every goroutine belongs to the Daemon; Stop cancels the crawls in
//     progress, waits for them and closes the brick connections.
package shd

import (
	"log/slog"
	"time"

	"google.golang.org/grpc"

	"github.com/mortarfs/mortar/volume"
)

// Config configures the self-heal daemon of one volume.
type Config struct {
	// Volfile is the volume's volfile, as clients get it.
	Volfile *volume.Volfile
	// Local reports whether a brick is served by this peer.
	Local func(volume.BrickRef) bool
	// Logger receives the daemon's logs; nil: slog.Default().
	Logger *slog.Logger
	// Interval between index crawls; 0: DefaultInterval.
	Interval time.Duration
	// DialOptions are added to the brick clients' (TLS).
	DialOptions []grpc.DialOption
}

// DefaultInterval is the time between two index crawls of a set
// (GlusterFS's cluster.heal-timeout is 600 s; the crawl of an empty
// index costs one readdir per brick).
const DefaultInterval = 60 * time.Second

// pollInterval is how often the daemon looks for bricks that came back.
const pollInterval = time.Second

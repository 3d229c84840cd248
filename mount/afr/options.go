package afr

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/mortarfs/mortar/mount/fop"
)

// Healer takes inodes that need healing. Queue must not block (drop or
// coalesce when busy); the heal engine (mount/heal) implements it.
type Healer interface {
	Queue(gfid fop.Gfid)
}

// Quorum types.
const (
	QuorumAuto  = "auto"  // a majority; exactly half when it includes the first brick
	QuorumFixed = "fixed" // at least QuorumCount bricks
	QuorumNone  = "none"  // one brick is enough (split-brain becomes possible)
)

// Favorite-child policies: the opt-in automatic split-brain resolution
// the heal engine applies ("" resolves nothing).
const (
	FavoriteSize     = "size"
	FavoriteMtime    = "mtime"
	FavoriteMajority = "majority"
)

// Options configure one replica set.
type Options struct {
	// Name names the set in logs and errors (the volfile's set name).
	Name string
	// Arbiter: the last child holds names, attributes, locks and
	// changelogs but no file data.
	Arbiter bool
	// QuorumType is QuorumAuto (default), QuorumFixed or QuorumNone;
	// QuorumCount is the count of QuorumFixed.
	QuorumType  string
	QuorumCount int
	// StaleReads allows reads without quorum (possibly stale).
	StaleReads bool
	// PostOpDelay is how long an idle eager data lock (and its changelog
	// mark) is kept before the post-op and unlock; default 1 s, negative:
	// no delay (post-op at the end of every write).
	PostOpDelay time.Duration
	// FavoriteChildPolicy is handed to the heal engine: "", FavoriteSize,
	// FavoriteMtime or FavoriteMajority.
	FavoriteChildPolicy string
	// Healer gets the inodes that lookups and reads find in need of
	// healing; nil: nobody is told (the heal daemon crawls the index).
	Healer Healer
	Logger *slog.Logger
}

const defaultPostOpDelay = time.Second

// withDefaults fills the zero fields and checks the others for n bricks.
func (o Options) withDefaults(n int) (Options, error) {
	if o.QuorumType == "" {
		o.QuorumType = QuorumAuto
	}
	if o.PostOpDelay == 0 {
		o.PostOpDelay = defaultPostOpDelay
	}
	if o.PostOpDelay < 0 {
		o.PostOpDelay = 0
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	switch o.QuorumType {
	case QuorumAuto, QuorumNone:
	case QuorumFixed:
		if o.QuorumCount < 1 || o.QuorumCount > n {
			return o, fmt.Errorf("quorum-count %d for %d bricks", o.QuorumCount, n)
		}
	default:
		return o, fmt.Errorf("quorum-type %q: want auto, fixed or none", o.QuorumType)
	}
	switch o.FavoriteChildPolicy {
	case "", FavoriteSize, FavoriteMtime, FavoriteMajority:
	default:
		return o, fmt.Errorf("favorite-child-policy %q: want size, mtime or majority", o.FavoriteChildPolicy)
	}
	if o.Arbiter && n != 3 {
		return o, fmt.Errorf("an arbiter needs 3 bricks, not %d", n)
	}
	return o, nil
}

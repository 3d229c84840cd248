package volume

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
)

// ErrRefused marks a refused volume change (a mistake of the command, not a
// failure of the pool).
var ErrRefused = errors.New("refused")

// Refusal is a refused change: its message is meant for people, and it
// is ErrRefused.
type Refusal struct{ Msg string }

func (r *Refusal) Error() string { return r.Msg }

// Is makes errors.Is(r, ErrRefused) hold.
func (r *Refusal) Is(target error) bool { return target == ErrRefused }

// refusef returns a Refusal.
func refusef(format string, a ...any) error {
	return &Refusal{Msg: fmt.Sprintf(format, a...)}
}

// BrickSpec is a brick as the administrator names it: HOST:/PATH.
type BrickSpec struct {
	Host string `json:"host"`
	Path string `json:"path"`
}

func (b BrickSpec) String() string { return b.Host + ":" + b.Path }

// ParseBrickSpec parses HOST:/PATH; the path must be absolute and is cleaned.
func ParseBrickSpec(s string) (BrickSpec, error) {
	i := strings.Index(s, ":/")
	if i <= 0 {
		return BrickSpec{}, refusef("brick %q: want HOST:/PATH", s)
	}
	p := filepath.Clean(s[i+1:])
	if p == "/" {
		return BrickSpec{}, refusef("brick %q: the root directory cannot be a brick", s)
	}
	return BrickSpec{Host: s[:i], Path: p}, nil
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$`)

// CheckName validates a volume name: letters, digits, '_', '-' and '.', at
// most 64, not starting with '-' or '.'.
func CheckName(name string) error {
	if !nameRE.MatchString(name) || name == "all" {
		return refusef("volume name %q is not valid (letters, digits, _ - . ; at most 64; not \"all\")", name)
	}
	return nil
}

// PoolView is what create validation needs to know of the pool.
type PoolView struct {
	// Peers maps every name a peer is known by (its host) to its uuid.
	Peers map[string]string
	// Volumes are the existing volumes' names and bricks.
	Volumes map[string][]PlacedBrick
}

// PlacedBrick is a brick on a known peer.
type PlacedBrick struct {
	Peer string // peer uuid
	Path string
}

// CreateRequest is `volume create NAME [replica N [arbiter 1]] BRICK... [force]`.
type CreateRequest struct {
	Name    string      `json:"name"`
	Replica int         `json:"replica"` // 0 or 1: distributed
	Arbiter bool        `json:"arbiter"`
	Bricks  []BrickSpec `json:"bricks"`
	Force   bool        `json:"force"`
}

// Validate checks r against the pool and returns the peer uuid of every
// brick, in order. The checks that need the bricks' own peer (root
// filesystem, existing directories) are not here (peer.CheckBricks).
func (r CreateRequest) Validate(pool PoolView) ([]string, error) {
	if err := CheckName(r.Name); err != nil {
		return nil, err
	}
	if _, ok := pool.Volumes[r.Name]; ok {
		return nil, refusef("volume %s already exists", r.Name)
	}
	replica := max(r.Replica, 1)
	if r.Replica == 1 {
		return nil, refusef("replica count should be greater than 1 (omit replica for a distributed volume)")
	}
	if r.Arbiter && replica != 3 {
		return nil, refusef("arbiter 1 needs replica 3 (replica 3 arbiter 1)")
	}
	if len(r.Bricks) == 0 {
		return nil, refusef("no bricks given")
	}
	if len(r.Bricks)%replica != 0 {
		return nil, refusef("number of bricks (%d) is not a multiple of replica count (%d)", len(r.Bricks), replica)
	}
	if replica == 2 && !r.Force {
		return nil, refusef("replica 2 volumes are prone to split-brain: use replica 3 or replica 3 arbiter 1, or add force to create it anyway")
	}
	peers := make([]string, len(r.Bricks))
	for i, b := range r.Bricks {
		uuid, ok := pool.Peers[b.Host]
		if !ok {
			return nil, refusef("host %s is not in the pool (probe it first with peer probe %s)", b.Host, b.Host)
		}
		peers[i] = uuid
	}
	if err := r.checkPlacement(pool, peers); err != nil {
		return nil, err
	}
	if !r.Force {
		for s := 0; s < len(r.Bricks); s += replica {
			seen := map[string]string{}
			for i := s; i < s+replica; i++ {
				if first, dup := seen[peers[i]]; dup {
					return nil, refusef("bricks %s and %s of one replica set are on the same peer: this is not fault tolerant; add force to create it anyway", first, r.Bricks[i])
				}
				seen[peers[i]] = r.Bricks[i].String()
			}
		}
	}
	return peers, nil
}

// checkPlacement refuses bricks listed twice, nested in each other, or
// overlapping the bricks of existing volumes.
func (r CreateRequest) checkPlacement(pool PoolView, peers []string) error {
	for i, b := range r.Bricks {
		for j := range i {
			if peers[j] != peers[i] {
				continue
			}
			if err := overlap(r.Bricks[j].String(), r.Bricks[j].Path, b.String(), b.Path, ""); err != nil {
				return err
			}
		}
		for vol, bricks := range pool.Volumes {
			for _, o := range bricks {
				if o.Peer != peers[i] {
					continue
				}
				if err := overlap(b.Host+":"+o.Path, o.Path, b.String(), b.Path, vol); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// overlap refuses brick b at path p when it is the same as, inside, or
// around brick a at path q (of volume vol, "" for the same request).
func overlap(a, q, b, p, vol string) error {
	of := ""
	if vol != "" {
		of = " of volume " + vol
	}
	switch {
	case p == q && vol == "":
		return refusef("brick %s is given twice", b)
	case p == q:
		return refusef("brick %s is already part of volume %s", b, vol)
	case within(p, q):
		return refusef("brick %s is inside brick %s%s", b, a, of)
	case within(q, p):
		return refusef("brick %s contains brick %s%s", b, a, of)
	}
	return nil
}

// within says whether path p is strictly beneath dir.
func within(p, dir string) bool {
	return strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

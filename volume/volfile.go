// Package volume owns the description of a volume: its bricks, replica
// sets, placement table and options (the volfile clients mount from), and
// the rules that make a volume valid.
package volume

import (
	"fmt"
	"net"
	"strings"

	"github.com/mortarfs/mortar/volume/layout"
)

// BrickRef names one brick as a client reaches it: the address of the brick
// server and the brick's name on that server.
type BrickRef struct {
	Addr string `json:"addr"` // host:port of the brick server
	Name string `json:"name"` // brick name on that server
}

func (b BrickRef) String() string { return b.Addr + "/" + b.Name }

// ReplicaSet is a group of bricks that hold identical copies.
type ReplicaSet struct {
	Name   string     `json:"name"` // stable; dht pointer files name it
	Bricks []BrickRef `json:"bricks"`
}

// Volfile is what a client needs to mount a volume.
type Volfile struct {
	Name    string `json:"name"`
	Replica int    `json:"replica"`
	// Arbiter: the last brick of every set is an arbiter, holding names,
	// attributes and changelogs but no file data ("replica 3 arbiter 1").
	Arbiter bool              `json:"arbiter,omitempty"`
	Sets    []ReplicaSet      `json:"sets"`
	Layout  layout.Table      `json:"layout"`
	Options map[string]string `json:"options,omitempty"`
}

// ParseBrickRef parses "HOST:PORT/NAME".
func ParseBrickRef(s string) (BrickRef, error) {
	addr, name, ok := strings.Cut(s, "/")
	if !ok || name == "" || strings.Contains(name, "/") {
		return BrickRef{}, fmt.Errorf("brick %q: want HOST:PORT/NAME", s)
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return BrickRef{}, fmt.Errorf("brick %q: %w", s, err)
	}
	return BrickRef{Addr: addr, Name: name}, nil
}

// FromBricks builds the volfile of a volume made of the given bricks,
// consecutive groups of replica bricks forming one set.
func FromBricks(name string, bricks []BrickRef, replica int) (*Volfile, error) {
	if replica < 1 {
		return nil, fmt.Errorf("volume %s: replica count %d", name, replica)
	}
	if len(bricks) == 0 || len(bricks)%replica != 0 {
		return nil, fmt.Errorf("volume %s: %d bricks is not a multiple of replica %d", name, len(bricks), replica)
	}
	seen := map[BrickRef]bool{}
	for _, b := range bricks {
		if seen[b] {
			return nil, fmt.Errorf("volume %s: brick %s listed twice", name, b)
		}
		seen[b] = true
	}
	v := &Volfile{Name: name, Replica: replica}
	for i := 0; i < len(bricks); i += replica {
		v.Sets = append(v.Sets, ReplicaSet{
			Name:   fmt.Sprintf("%s-set-%d", name, len(v.Sets)),
			Bricks: append([]BrickRef(nil), bricks[i:i+replica]...),
		})
	}
	v.Layout = layout.Uniform(len(v.Sets))
	return v, nil
}

// Validate checks the volfile's shape.
func (v *Volfile) Validate() error {
	if v.Replica < 1 || len(v.Sets) == 0 {
		return fmt.Errorf("volume %s: no replica sets", v.Name)
	}
	if v.Arbiter && v.Replica != 3 {
		return fmt.Errorf("volume %s: an arbiter needs replica 3, not %d", v.Name, v.Replica)
	}
	for _, s := range v.Sets {
		if len(s.Bricks) != v.Replica {
			return fmt.Errorf("volume %s: set %s has %d bricks, want %d", v.Name, s.Name, len(s.Bricks), v.Replica)
		}
	}
	return v.Layout.Validate(len(v.Sets))
}

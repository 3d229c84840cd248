package peer

import (
	"fmt"
	"maps"

	"github.com/mortarfs/mortar/volume"
)

// Command is one entry of the pool's raft log. Every command is validated
// again when it is applied, against the state it applies to, the same way
// on every peer: of two conflicting changes committed in some order, the
// second fails everywhere.
type Command struct {
	Op string `json:"op"`

	Peer  *PeerRecord `json:"peer,omitempty"`  // add-peer, remove-peer (UUID)
	Force bool        `json:"force,omitempty"` // remove-peer, create, start

	Create   *volume.CreateRequest `json:"create,omitempty"`
	VolumeID string                `json:"volume_id,omitempty"` // create

	Volume  string            `json:"volume,omitempty"`  // start, stop, delete, set, reset
	Options map[string]string `json:"options,omitempty"` // set
	Reset   []string          `json:"reset,omitempty"`   // reset; empty: all
}

// Command operations.
const (
	opAddPeer    = "add-peer"
	opRemovePeer = "remove-peer"
	opCreate     = "create"
	opStart      = "start"
	opStop       = "stop"
	opDelete     = "delete"
	opSet        = "set"
	opReset      = "reset"
)

// apply applies c at raft index to s, or returns why it cannot; s is
// unchanged on error.
func (c *Command) apply(s *State, index uint64) error {
	switch c.Op {
	case opAddPeer:
		p := *c.Peer
		s.Peers[p.UUID] = &p
	case opRemovePeer:
		if _, ok := s.Peers[c.Peer.UUID]; !ok {
			return notFoundf("peer %s is not part of the pool", c.Peer.UUID)
		}
		if vols := s.bricksOf(c.Peer.UUID); len(vols) > 0 && !c.Force {
			return refusef("peer %s holds bricks of volume %s: use force to detach it anyway", s.Peers[c.Peer.UUID].Host, vols[0])
		}
		delete(s.Peers, c.Peer.UUID)
	case opCreate:
		return c.applyCreate(s, index)
	default:
		return c.applyVolume(s, index)
	}
	return nil
}

func (c *Command) applyCreate(s *State, index uint64) error {
	r := c.Create
	peers, err := r.Validate(s.poolView())
	if err != nil {
		return err
	}
	v := &VolumeRecord{Name: r.Name, ID: c.VolumeID, Replica: max(r.Replica, 1), Arbiter: r.Arbiter,
		Status: StatusCreated, Options: map[string]string{}, Version: index}
	for i, b := range r.Bricks {
		v.Bricks = append(v.Bricks, BrickRecord{Peer: peers[i], Host: b.Host, Path: b.Path, Name: fmt.Sprintf("%s-%d", r.Name, i)})
	}
	s.Volumes[v.Name] = v
	return nil
}

// applyVolume applies the commands on one existing volume.
func (c *Command) applyVolume(s *State, index uint64) error {
	v, ok := s.Volumes[c.Volume]
	if !ok {
		return notFoundf("volume %s does not exist", c.Volume)
	}
	switch c.Op {
	case opStart:
		if v.Status == StatusStarted && !c.Force {
			return refusef("volume %s already started", v.Name)
		}
		v.Status = StatusStarted
	case opStop:
		if v.Status != StatusStarted {
			return refusef("volume %s is not in the started state", v.Name)
		}
		v.Status = StatusStopped
	case opDelete:
		if v.Status == StatusStarted {
			return refusef("volume %s has been started: stop it before deleting it", v.Name)
		}
		delete(s.Volumes, v.Name)
		return nil
	case opSet:
		opts := maps.Clone(v.Options)
		if opts == nil {
			opts = map[string]string{}
		}
		for k, val := range c.Options {
			cv, err := volume.CheckOption(k, val)
			if err != nil {
				return refusef("%v", err)
			}
			opts[k] = cv
		}
		if err := volume.CheckOptions(opts); err != nil {
			return refusef("%v", err)
		}
		v.Options = opts
	case opReset:
		opts := maps.Clone(v.Options)
		if len(c.Reset) == 0 {
			opts = map[string]string{}
		}
		for _, k := range c.Reset {
			if _, ok := volume.LookupOption(k); !ok {
				return refusef("option %s does not exist", k)
			}
			delete(opts, k)
		}
		if err := volume.CheckOptions(opts); err != nil {
			return refusef("%v", err)
		}
		v.Options = opts
	default:
		return fmt.Errorf("unknown pool command %q", c.Op)
	}
	v.Version = index
	return nil
}

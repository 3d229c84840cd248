package peer

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"sort"

	"github.com/mortarfs/mortar/volume"
)

// State is the pool's replicated state: what every peer's raft FSM holds
// after applying the log.
type State struct {
	// Index is the raft index of the last entry applied.
	Index   uint64                   `json:"index"`
	Peers   map[string]*PeerRecord   `json:"peers"`   // by uuid
	Volumes map[string]*VolumeRecord `json:"volumes"` // by name
}

// PeerRecord is one peer of the pool.
type PeerRecord struct {
	UUID   string `json:"uuid"`
	Host   string `json:"host"`   // the name it was probed by (or its own)
	Addr   string `json:"addr"`   // gRPC and raft, HOST:PORT
	Gossip string `json:"gossip"` // memberlist, HOST:PORT
}

// Volume statuses, gluster's words.
const (
	StatusCreated = "Created"
	StatusStarted = "Started"
	StatusStopped = "Stopped"
)

// VolumeRecord is one volume.
type VolumeRecord struct {
	Name    string            `json:"name"`
	ID      string            `json:"id"`
	Replica int               `json:"replica"` // 1: distributed
	Arbiter bool              `json:"arbiter,omitempty"`
	Status  string            `json:"status"`
	Bricks  []BrickRecord     `json:"bricks"`
	Options map[string]string `json:"options,omitempty"`
	// Version is the raft index of the volume's last change.
	Version uint64 `json:"version"`
}

// BrickRecord is one brick of a volume.
type BrickRecord struct {
	Peer string `json:"peer"` // uuid
	Host string `json:"host"` // as given to volume create
	Path string `json:"path"`
	Name string `json:"name"` // unique on its daemon: VOLUME-INDEX
}

func newState() *State {
	return &State{Peers: map[string]*PeerRecord{}, Volumes: map[string]*VolumeRecord{}}
}

// clone returns a deep copy of s.
func (s *State) clone() *State {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	c := newState()
	if err := json.Unmarshal(b, c); err != nil {
		panic(err)
	}
	return c
}

// peerByHost finds a peer by the host it is known by, or by its address.
func (s *State) peerByHost(host string) *PeerRecord {
	for _, p := range s.sortedPeers() {
		h, _, _ := net.SplitHostPort(p.Addr)
		if p.Host == host || p.Addr == host || h == host {
			return p
		}
	}
	return nil
}

// sortedPeers returns the peers by host.
func (s *State) sortedPeers() []*PeerRecord {
	out := make([]*PeerRecord, 0, len(s.Peers))
	for _, p := range s.Peers {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Host < out[j].Host || out[i].Host == out[j].Host && out[i].UUID < out[j].UUID
	})
	return out
}

// sortedVolumes returns the volumes by name.
func (s *State) sortedVolumes() []*VolumeRecord {
	out := make([]*VolumeRecord, 0, len(s.Volumes))
	for _, v := range s.Volumes {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// poolView is the pool as volume.CreateRequest.Validate needs it.
func (s *State) poolView() volume.PoolView {
	pv := volume.PoolView{Peers: map[string]string{}, Volumes: map[string][]volume.PlacedBrick{}}
	for _, p := range s.Peers {
		pv.Peers[p.Host] = p.UUID
		pv.Peers[p.Addr] = p.UUID
		if h, _, err := net.SplitHostPort(p.Addr); err == nil {
			pv.Peers[h] = p.UUID
		}
	}
	for _, v := range s.Volumes {
		for _, b := range v.Bricks {
			pv.Volumes[v.Name] = append(pv.Volumes[v.Name], volume.PlacedBrick{Peer: b.Peer, Path: b.Path})
		}
	}
	return pv
}

// bricksOf returns the volumes with a brick on peer uuid.
func (s *State) bricksOf(uuid string) []string {
	var vols []string
	for _, v := range s.sortedVolumes() {
		for _, b := range v.Bricks {
			if b.Peer == uuid {
				vols = append(vols, v.Name)
				break
			}
		}
	}
	return vols
}

// Volfile returns the volfile of volume v as clients mount it.
func (s *State) Volfile(v *VolumeRecord) (*volume.Volfile, error) {
	refs := make([]volume.BrickRef, len(v.Bricks))
	for i, b := range v.Bricks {
		p, ok := s.Peers[b.Peer]
		if !ok {
			return nil, fmt.Errorf("volume %s: brick %s:%s is on a peer no longer in the pool", v.Name, b.Host, b.Path)
		}
		refs[i] = volume.BrickRef{Addr: p.Addr, Name: b.Name}
	}
	vf, err := volume.FromBricks(v.Name, refs, max(v.Replica, 1))
	if err != nil {
		return nil, err
	}
	vf.Arbiter = v.Arbiter
	vf.Options = volume.MountOptions(v.Options)
	return vf, nil
}

// Errors of the pool state, turned into gRPC codes at the boundary
// (errors.go). Each is the kind of a stateError, whose message is meant for
// people and does not repeat the kind.
var (
	// ErrNotFound: an unknown volume or peer.
	ErrNotFound = errors.New("not found")
	// ErrNotStarted: a volume that is not started (volfiles).
	ErrNotStarted = errors.New("not started")
	// ErrNoQuorum: the pool cannot commit a change.
	ErrNoQuorum = errors.New("no quorum of the pool")
	// errPermission: a client refused by auth.allow / auth.reject.
	errPermission = errors.New("permission denied")
)

// stateError is an error of kind (one of the above, or volume.ErrRefused).
type stateError struct {
	kind error
	msg  string
}

func (e *stateError) Error() string        { return e.msg }
func (e *stateError) Is(target error) bool { return target == e.kind }

func notFoundf(format string, a ...any) error {
	return &stateError{ErrNotFound, fmt.Sprintf(format, a...)}
}

func notStartedf(format string, a ...any) error {
	return &stateError{ErrNotStarted, fmt.Sprintf(format, a...)}
}

// noQuorumf says why a change cannot be committed; the message starts with
// "no quorum of the pool: ".
func noQuorumf(format string, a ...any) error {
	return &stateError{ErrNoQuorum, "no quorum of the pool: " + fmt.Sprintf(format, a...)}
}

func refusef(format string, a ...any) error {
	return &volume.Refusal{Msg: fmt.Sprintf(format, a...)}
}

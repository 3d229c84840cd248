package peer

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/hashicorp/raft"
)

// fsm is raft's state machine: the pool State, and a broadcast of its
// changes to the daemon's watchers (volfile watches, the brick reconciler).
type fsm struct {
	log *slog.Logger

	// mu guards state and changed.
	mu    sync.RWMutex
	state *State
	// changed is closed (and replaced) at every change of state.
	changed chan struct{}
}

var _ raft.FSM = (*fsm)(nil)

func newFSM(log *slog.Logger) *fsm {
	return &fsm{log: log, state: newState(), changed: make(chan struct{})}
}

// State returns a copy of the state and a channel closed at its next change.
func (f *fsm) State() (*State, <-chan struct{}) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.state.clone(), f.changed
}

// index is the raft index of the last entry applied.
func (f *fsm) index() uint64 {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.state.Index
}

// set replaces the state and wakes the watchers.
func (f *fsm) set(s *State) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.state = s
	close(f.changed)
	f.changed = make(chan struct{})
}

// Apply applies one log entry; it returns the command's error (nil when
// applied), which raft hands to the proposer.
func (f *fsm) Apply(l *raft.Log) any {
	if l.Type != raft.LogCommand {
		return nil
	}
	var c Command
	if err := json.Unmarshal(l.Data, &c); err != nil {
		f.log.Error("pool log: bad entry", "index", l.Index, "err", err)
		return fmt.Errorf("pool log entry %d: %w", l.Index, err)
	}
	f.mu.RLock()
	s := f.state.clone()
	f.mu.RUnlock()
	err := safeApply(&c, s, l.Index)
	if err != nil {
		// The entry stays in the log with no effect; the index moves on.
		s, _ = f.State()
	}
	s.Index = l.Index
	f.set(s)
	if err != nil {
		f.log.Debug("pool change refused", "index", l.Index, "op", c.Op, "err", err)
		return err
	}
	f.log.Info("pool change", "index", l.Index, "op", c.Op, "volume", c.Volume)
	return nil
}

// safeApply applies c; a panic (a bug) refuses the entry on every peer
// alike instead of killing them all.
func safeApply(c *Command, s *State, index uint64) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("pool command %s failed: internal error: %v", c.Op, r)
		}
	}()
	return c.apply(s, index)
}

// Snapshot captures the state.
func (f *fsm) Snapshot() (raft.FSMSnapshot, error) {
	s, _ := f.State()
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("pool snapshot: %w", err)
	}
	return snapshot(b), nil
}

// Restore replaces the state with a snapshot's.
func (f *fsm) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	s := newState()
	if err := json.NewDecoder(rc).Decode(s); err != nil {
		return fmt.Errorf("pool snapshot restore: %w", err)
	}
	if s.Peers == nil {
		s.Peers = map[string]*PeerRecord{}
	}
	if s.Volumes == nil {
		s.Volumes = map[string]*VolumeRecord{}
	}
	f.set(s)
	return nil
}

// reset empties the state (the daemon joins or leaves a pool).
func (f *fsm) reset() { f.set(newState()) }

type snapshot []byte

func (s snapshot) Persist(sink raft.SnapshotSink) error {
	if _, err := sink.Write(s); err != nil {
		_ = sink.Cancel()
		return fmt.Errorf("pool snapshot: %w", err)
	}
	return sink.Close()
}

func (snapshot) Release() {}

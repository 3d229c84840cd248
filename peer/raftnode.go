package peer

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"
	raftboltdb "github.com/hashicorp/raft-boltdb/v2"
)

// raftNode is one incarnation of the daemon's raft: stores in
// StateDir/raft, transport over the mux. Joining or leaving a pool ends it
// and starts another on empty stores.
type raftNode struct {
	r     *raft.Raft
	store *raftboltdb.BoltStore
	trans *raft.NetworkTransport
}

// maxVoters is the number of voting peers; more peers join as non-voters.
const maxVoters = 5

func (d *Daemon) raftDir() string { return filepath.Join(d.cfg.StateDir, "raft") }

// startRaft starts raft on the stores in the state directory; bootstrap
// makes a new single-peer cluster when they are empty.
func (d *Daemon) startRaft(bootstrap bool) (*raftNode, error) {
	dir := d.raftDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("raft: %w", err)
	}
	store, err := raftboltdb.NewBoltStore(filepath.Join(dir, "raft.db"))
	if err != nil {
		return nil, fmt.Errorf("raft store: %w", err)
	}
	logw := slogWriter{d.log.With("part", "raft")}
	snaps, err := raft.NewFileSnapshotStore(dir, 2, logw)
	if err != nil {
		_ = store.Close()
		return nil, fmt.Errorf("raft snapshots: %w", err)
	}
	trans := raft.NewNetworkTransport(d.mux.raftLayer(), 3, 5*time.Second, logw)
	rc := raft.DefaultConfig()
	rc.LocalID = raft.ServerID(d.id.UUID)
	hb := d.cfg.Timing.RaftHeartbeat
	rc.HeartbeatTimeout, rc.ElectionTimeout = hb, hb
	rc.LeaderLeaseTimeout = hb / 2
	rc.CommitTimeout = min(rc.CommitTimeout, hb/4)
	rc.SnapshotThreshold = 1024
	rc.Logger = hclog.New(&hclog.LoggerOptions{Name: "raft", Output: logw, Level: hclog.Warn})
	n := &raftNode{store: store, trans: trans}
	has, err := raft.HasExistingState(store, store, snaps)
	if err == nil && !has && bootstrap {
		err = raft.BootstrapCluster(rc, store, store, snaps, trans, raft.Configuration{Servers: []raft.Server{
			{Suffrage: raft.Voter, ID: rc.LocalID, Address: raft.ServerAddress(d.addr)},
		}})
	}
	if err == nil {
		n.r, err = raft.NewRaft(rc, d.fsm, store, store, snaps, trans)
	}
	if err != nil {
		_ = trans.Close()
		_ = store.Close()
		return nil, fmt.Errorf("raft: %w", err)
	}
	return n, nil
}

// stop shuts raft down and closes its stores.
func (n *raftNode) stop() error {
	n.handOver()
	err := n.r.Shutdown().Error()
	_ = n.trans.Close()
	if cerr := n.store.Close(); err == nil {
		err = cerr
	}
	return err
}

// slogWriter turns the text logs of raft and memberlist into slog records.
type slogWriter struct{ log *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	level := slog.LevelInfo
	switch {
	case strings.Contains(msg, "[ERR"):
		level = slog.LevelError
	case strings.Contains(msg, "[WARN"):
		level = slog.LevelWarn
	case strings.Contains(msg, "[DEBUG"), strings.Contains(msg, "[TRACE"):
		level = slog.LevelDebug
	}
	w.log.Log(context.Background(), level, msg)
	return len(p), nil
}

var _ io.Writer = slogWriter{}

// handOver gives leadership to another voter before a clean stop, so that
// the pool takes changes again at once instead of after an election
// timeout. It does nothing on a follower or a lone voter.
func (n *raftNode) handOver() {
	if n.r.State() == raft.Leader && len(voters(n.r)) > 1 {
		_ = n.r.LeadershipTransfer().Error() // bounded by raft's election timeout
	}
}

// voters are the voting servers of r's configuration (none when it
// cannot be read).
func voters(r *raft.Raft) []raft.Server {
	f := r.GetConfiguration()
	if f.Error() != nil {
		return nil
	}
	var out []raft.Server
	for _, s := range f.Configuration().Servers {
		if s.Suffrage == raft.Voter {
			out = append(out, s)
		}
	}
	return out
}

package peer

import (
	"log/slog"
	"time"
)

// Default ports.
const (
	DefaultPort       = 7420 // gRPC (management, bricks) and raft
	DefaultGossipPort = 7421 // memberlist
)

// Config configures a Daemon.
type Config struct {
	// StateDir holds the peer's identity, the raft log and snapshots.
	StateDir string
	// Host is the address the daemon listens on and is known by (an IP or
	// a name that resolves to one).
	Host string
	// Port is the gRPC port (0: DefaultPort); GossipPort memberlist's (0:
	// DefaultGossipPort). Tests pass free ports.
	Port       int
	GossipPort int
	// Socket is the unix socket of the local CLI ("": none).
	Socket string
	// RootFS: a brick on the filesystem of this directory is refused
	// without force ("": "/").
	RootFS string
	// Runner runs per-volume work on peers hosting bricks (the self-heal
	// daemon); nil: none.
	Runner VolumeRunner
	// Timing are the raft and gossip timers (zero: LANTiming).
	Timing Timing
	Logger *slog.Logger
}

// Timing are the failure-detection timers of raft and memberlist.
type Timing struct {
	// RaftHeartbeat is raft's heartbeat and election timeout; the leader
	// lease is half of it.
	RaftHeartbeat time.Duration
	// GossipProbe is memberlist's probe interval.
	GossipProbe time.Duration
}

// LANTiming suits servers on one network: a dead peer is noticed within
// seconds.
var LANTiming = Timing{RaftHeartbeat: time.Second, GossipProbe: time.Second}

// TestTiming is for pools of in-process daemons in tests.
var TestTiming = Timing{RaftHeartbeat: 150 * time.Millisecond, GossipProbe: 200 * time.Millisecond}

package peer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/hashicorp/memberlist"
	"github.com/hashicorp/raft"
	"google.golang.org/grpc"

	"github.com/mortarfs/mortar/brickd"
	"github.com/mortarfs/mortar/proto/mgmtpb"
)

// Daemon is the node daemon of one peer.
type Daemon struct {
	cfg    Config
	log    *slog.Logger
	addr   string // Host:Port, gRPC and raft
	gossip string // Host:GossipPort
	fsm    *fsm
	mux    *mux
	grpc   *grpc.Server
	local  *grpc.Server // on the unix socket
	bricks *brickd.Server
	peers  *connPool

	// mu guards id, node and ml, which joining or leaving a pool replaces.
	mu   sync.Mutex
	id   *identity
	node *raftNode
	ml   *memberlist.Memberlist
	// keyring is memberlist's, set once at start (safe for concurrent use).
	keyring *memberlist.Keyring

	// poolMu serialises the changes of membership this daemon handles
	// (probe, detach, join, leave).
	poolMu sync.Mutex

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	closed sync.Once
}

// New starts the daemon: it loads (or creates) its state, listens on the
// gRPC port, the gossip port and the unix socket, starts raft, and serves
// the bricks of started volumes. Close stops it.
func New(cfg Config) (*Daemon, error) {
	if cfg.StateDir == "" || cfg.Host == "" {
		return nil, errors.New("peer: StateDir and Host are required")
	}
	if cfg.Port == 0 {
		cfg.Port = DefaultPort
	}
	if cfg.GossipPort == 0 {
		cfg.GossipPort = DefaultGossipPort
	}
	if cfg.Timing == (Timing{}) {
		cfg.Timing = LANTiming
	}
	if cfg.RootFS == "" {
		cfg.RootFS = "/"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	d := &Daemon{cfg: cfg, log: cfg.Logger,
		addr:   net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)),
		gossip: net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.GossipPort)),
		fsm:    newFSM(cfg.Logger.With("part", "pool")),
		peers:  newConnPool(),
	}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	if err := d.start(); err != nil {
		d.Close()
		return nil, err
	}
	d.log.Info("daemon started", "uuid", d.id.UUID, "addr", d.addr, "gossip", d.gossip, "socket", cfg.Socket, "state_dir", cfg.StateDir)
	return d, nil
}

func (d *Daemon) start() error {
	if err := os.MkdirAll(d.cfg.StateDir, 0o700); err != nil {
		return fmt.Errorf("state dir: %w", err)
	}
	id, fresh, err := loadIdentity(d.cfg.StateDir)
	if err != nil {
		return err
	}
	d.id = id
	if fresh {
		d.log.Info("new peer: a pool of its own", "uuid", id.UUID, "pool", id.PoolID)
	}
	lis, err := net.Listen("tcp", d.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	d.mux = newMux(lis, d.log)
	d.mux.start()
	d.bricks, err = brickd.New(brickd.Config{AllowEmpty: true, Logger: d.log.With("part", "brickd")})
	if err != nil {
		return err
	}
	d.grpc = grpc.NewServer(brickd.ServerOptions()...)
	d.bricks.Register(d.grpc)
	mgmtpb.RegisterMgmtServer(d.grpc, &mgmtService{d: d})
	mgmtpb.RegisterPoolServer(d.grpc, &poolService{d: d})
	mgmtpb.RegisterPeerServer(d.grpc, &peerService{d: d})
	d.goServe(d.grpc, d.mux.grpc)
	if d.cfg.Socket != "" {
		if err := d.listenLocal(); err != nil {
			return err
		}
	}
	if d.ml, err = d.startGossip(); err != nil {
		return err
	}
	if d.node, err = d.startRaft(true); err != nil {
		return err
	}
	d.wg.Add(3)
	go d.registerSelf()
	go d.reconcile()
	go d.keepGossip()
	return nil
}

// listenLocal serves the management services on the unix socket.
func (d *Daemon) listenLocal() error {
	if err := os.MkdirAll(filepath.Dir(d.cfg.Socket), 0o755); err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	_ = os.Remove(d.cfg.Socket)
	lis, err := net.Listen("unix", d.cfg.Socket)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	_ = os.Chmod(d.cfg.Socket, 0o600)
	d.local = grpc.NewServer()
	mgmtpb.RegisterMgmtServer(d.local, &mgmtService{d: d})
	mgmtpb.RegisterPoolServer(d.local, &poolService{d: d})
	d.goServe(d.local, lis)
	return nil
}

// goServe serves g on lis in a goroutine owned by d.
func (d *Daemon) goServe(g *grpc.Server, lis net.Listener) {
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		if err := g.Serve(lis); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			d.log.Warn("grpc server ended", "err", err)
		}
	}()
}

// Close stops the daemon: raft, gossip, bricks, listeners. Its state stays
// in the state directory for the next start.
func (d *Daemon) Close() error {
	var err error
	d.closed.Do(func() { err = d.close() })
	return err
}

func (d *Daemon) close() error {
	d.cancel()
	var errs []error
	if d.local != nil {
		d.local.Stop()
	}
	d.mu.Lock()
	node, ml := d.node, d.ml
	d.node = nil
	d.mu.Unlock()
	if node != nil {
		errs = append(errs, node.stop())
	}
	if ml != nil {
		_ = ml.Leave(d.cfg.Timing.GossipProbe)
		errs = append(errs, ml.Shutdown())
	}
	if d.bricks != nil {
		errs = append(errs, d.bricks.Close())
	}
	if d.grpc != nil {
		d.grpc.Stop()
	}
	if d.mux != nil {
		d.mux.close()
	}
	d.wg.Wait()
	d.peers.close()
	if d.cfg.Socket != "" {
		_ = os.Remove(d.cfg.Socket)
	}
	return errors.Join(errs...)
}

// Addr is the daemon's gRPC address, HOST:PORT.
func (d *Daemon) Addr() string { return d.addr }

// UUID is the peer's uuid.
func (d *Daemon) UUID() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.id.UUID
}

// State returns a copy of the pool state as this peer has applied it.
func (d *Daemon) State() *State {
	s, _ := d.fsm.State()
	return s
}

// raft returns the current raft, nil once closed.
func (d *Daemon) raft() *raft.Raft {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.node == nil {
		return nil
	}
	return d.node.r
}

// identity returns a copy of the daemon's identity.
func (d *Daemon) identity() identity {
	d.mu.Lock()
	defer d.mu.Unlock()
	return *d.id
}

// self is this peer's record.
func (d *Daemon) self() *PeerRecord {
	return &PeerRecord{UUID: d.UUID(), Host: d.cfg.Host, Addr: d.addr, Gossip: d.gossip}
}

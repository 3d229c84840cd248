package brickd

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
	"google.golang.org/grpc"

	"github.com/mortarfs/mortar/brickd/internal/posix"
)

// stopGrace bounds the graceful stop of Serve.
const stopGrace = 5 * time.Second

// Server serves the bricks of one process.
type Server struct {
	log *slog.Logger

	// bmu guards bricks (AddBrick and RemoveBrick change it while serving).
	bmu    sync.RWMutex
	bricks map[string]*brick

	// closing refuses new sessions and calls once Close has begun.
	closing atomic.Bool
	// gate is held for reading by every unary call in flight; Close takes
	// it for writing, so no call uses a brick that is being closed.
	gate   sync.RWMutex
	closed bool // guarded by gate

	// mu guards sessions.
	mu       sync.Mutex
	sessions map[uint64]*session
}

// New opens (initialising where needed) every brick of cfg.
func New(cfg Config) (*Server, error) {
	s := &Server{log: cfg.Logger, bricks: make(map[string]*brick), sessions: make(map[uint64]*session)}
	if s.log == nil {
		s.log = slog.Default()
	}
	if len(cfg.Bricks) == 0 && !cfg.AllowEmpty {
		return nil, errors.New("brickd: no bricks configured")
	}
	cache := dirCacheSize(len(cfg.Bricks))
	seen := make(map[[2]uint64]string)
	for _, bc := range cfg.Bricks {
		b, err := s.openBrick(bc, cfg.VolumeID, cache, seen)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.bricks[bc.Name] = b
		s.log.Info("brick ready", "brick", bc.Name, "path", bc.Path, "brick_id", b.fs.Info().BrickID, "volume_id", b.fs.Info().VolumeID)
	}
	return s, nil
}

// openBrick opens one brick, refusing duplicate names and directories.
func (s *Server) openBrick(bc BrickConfig, volumeID string, cache int, seen map[[2]uint64]string) (*brick, error) {
	if bc.Name == "" || bc.Path == "" {
		return nil, fmt.Errorf("brickd: brick %q at %q: name and path are required", bc.Name, bc.Path)
	}
	if _, dup := s.bricks[bc.Name]; dup {
		return nil, fmt.Errorf("brickd: brick name %q given twice", bc.Name)
	}
	fs, err := posix.Open(bc.Path, posix.Options{VolumeID: volumeID, DirCacheSize: cache, Logger: s.log})
	if err != nil {
		return nil, fmt.Errorf("brickd: brick %s: %w", bc.Name, err)
	}
	dev, ino, err := fs.Dev()
	if err == nil && seen[[2]uint64{dev, ino}] != "" {
		err = fmt.Errorf("brickd: brick %s: %s is already served as brick %s", bc.Name, bc.Path, seen[[2]uint64{dev, ino}])
	}
	if err != nil {
		fs.Close()
		return nil, err
	}
	seen[[2]uint64{dev, ino}] = bc.Name
	return newBrick(bc.Name, s.log, fs), nil
}

// dirCacheSize shares a part of the fd limit among the bricks' caches of
// directory fds.
func dirCacheSize(bricks int) int {
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &rl); err != nil {
		return 256
	}
	n := int(min(rl.Cur, 1<<20)) / (4 * max(bricks, 1))
	return max(64, min(n, 4096))
}

// Register registers the Brick service of s on g, with its calls'
// carried requests carried out first (carried.go).
func (s *Server) Register(g *grpc.Server) {
	r := &rpc{s: s}
	g.RegisterService(carryingDesc(r), r)
}

// Serve serves s on lis with a gRPC server of its own (ServerOptions)
// until ctx ends; then it ends the sessions, stops the gRPC server
// gracefully (for a bounded time) and closes s.
func (s *Server) Serve(ctx context.Context, lis net.Listener) error {
	g := grpc.NewServer(ServerOptions()...)
	s.Register(g)
	errc := make(chan error, 1)
	go func() { errc <- g.Serve(lis) }()
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	s.endSessions()
	stopped := make(chan struct{})
	go func() {
		g.GracefulStop()
		close(stopped)
	}()
	select {
	case <-stopped:
	case <-time.After(stopGrace):
		g.Stop()
		<-stopped
	}
	return errors.Join(err, s.Close())
}

// Close ends every session and closes the bricks. Calls still arriving
// are answered Unavailable.
func (s *Server) Close() error {
	s.closing.Store(true)
	s.endSessions() // this ends the lock waits that hold the gate
	s.gate.Lock()
	defer s.gate.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.endSessions() // a session that was being opened when closing began
	s.bmu.Lock()
	all := s.bricks
	s.bricks = map[string]*brick{}
	s.bmu.Unlock()
	var errs []error
	for _, b := range all {
		errs = append(errs, b.close())
	}
	return errors.Join(errs...)
}

// endSessions ends every session.
func (s *Server) endSessions() {
	s.mu.Lock()
	all := make([]*session, 0, len(s.sessions))
	for _, se := range s.sessions {
		all = append(all, se)
	}
	s.mu.Unlock()
	for _, se := range all {
		se.end()
	}
}

// newSession registers a new session of b, bound to ctx.
func (s *Server) newSession(ctx context.Context, b *brick, client string, quiet bool) *session {
	ctx, cancel := context.WithCancel(ctx)
	se := &session{client: client, quiet: quiet, brick: b, queue: newEventQueue(maxPendingEvents), ctx: ctx, cancel: cancel}
	s.mu.Lock()
	for se.id == 0 || s.sessions[se.id] != nil {
		var r [8]byte
		_, _ = rand.Read(r[:])
		se.id = binary.LittleEndian.Uint64(r[:])
	}
	s.sessions[se.id] = se
	s.mu.Unlock()
	b.attach(se)
	return se
}

// dropSession ends se and forgets it.
func (s *Server) dropSession(se *session) {
	se.end()
	s.mu.Lock()
	delete(s.sessions, se.id)
	s.mu.Unlock()
}

// lookupSession returns the session id.
func (s *Server) lookupSession(id uint64) (*session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	se, ok := s.sessions[id]
	return se, ok && !se.ended.Load()
}

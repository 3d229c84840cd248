package client

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/keepalive"

	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/proto/brickcodec"
	"github.com/mortarfs/mortar/proto/brickpb"
	"github.com/mortarfs/mortar/volume"
)

// Brick is one brick reached over gRPC. It implements fop.Brick.
type Brick struct {
	ref  volume.BrickRef
	opts Options
	log  *slog.Logger
	conn *grpc.ClientConn
	rpc  brickpb.BrickClient

	ctx       context.Context // ends at Close
	cancel    context.CancelFunc
	done      chan struct{} // closed when the session goroutine has returned
	closeOnce sync.Once

	sink     atomic.Pointer[func(fop.Event)]
	brickID  atomic.Pointer[string]
	volumeID atomic.Pointer[string]
	posix    lockedInodes // inodes this client took POSIX locks on
	carried  carrier      // requests waiting to ride on the next call

	// mu guards the session state below.
	mu      sync.Mutex
	cur     *session      // nil while no session is up
	gen     uint64        // generation of the latest session
	changed chan struct{} // closed and replaced whenever cur changes
}

var _ fop.Brick = (*Brick)(nil)

// New returns the brick ref and starts connecting to it in the background.
// It never blocks; WaitReady waits for the first session.
func New(ref volume.BrickRef, opts Options) (*Brick, error) {
	opts = opts.withDefaults()
	b := &Brick{
		ref:     ref,
		opts:    opts,
		log:     opts.Logger.With("brick", ref.String()),
		carried: carrier{delay: opts.CarryDelay},
		done:    make(chan struct{}),
		changed: make(chan struct{}),
	}
	conn, err := grpc.NewClient(ref.Addr, append(dialOptions(opts), grpc.WithChainUnaryInterceptor(b.carryUnary))...)
	if err != nil {
		return nil, fmt.Errorf("brick %s: %w", ref, err)
	}
	b.conn, b.rpc = conn, brickpb.NewBrickClient(conn)
	b.ctx, b.cancel = context.WithCancel(context.Background())
	go b.run()
	return b, nil
}

// dialOptions are the gRPC options of every brick connection; the caller's
// come last so they can override ours.
func dialOptions(opts Options) []grpc.DialOption {
	bo := backoff.DefaultConfig
	bo.BaseDelay, bo.MaxDelay = backoffMin, backoffMax
	return append([]grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		// grpc-go refuses intervals below 10 s; the session's own pings
		// (heartbeat.go) detect a frozen brick sooner.
		grpc.WithKeepaliveParams(keepalive.ClientParameters{
			Time: 10 * time.Second, Timeout: 2 * time.Second, PermitWithoutStream: true,
		}),
		grpc.WithConnectParams(grpc.ConnectParams{Backoff: bo, MinConnectTimeout: opts.ConnectTimeout}),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMsg), grpc.MaxCallSendMsgSize(maxMsg)),
		// Windows and buffers sized for 1 MiB reads and writes, as the
		// server's (brickd/options.go): the defaults cost a window update
		// and several syscalls per call. The self-heal daemon and the heal
		// command copy data in such chunks too.
		grpc.WithWriteBufferSize(1 << 20), grpc.WithReadBufferSize(1 << 20),
		grpc.WithInitialWindowSize(16 << 20), grpc.WithInitialConnWindowSize(32 << 20),
	}, append(brickcodec.DialOptions(), opts.DialOptions...)...)
}

// Name is the brick's address and name, for logs.
func (b *Brick) Name() string { return b.ref.String() }

// ID is the brick's uuid, learned from the first session; empty before.
func (b *Brick) ID() string { return loadString(&b.brickID) }

// VolumeID is the uuid of the volume the brick belongs to, learned from the
// first session; empty before. The mount checks that all bricks agree.
func (b *Brick) VolumeID() string { return loadString(&b.volumeID) }

func loadString(p *atomic.Pointer[string]) string {
	if s := p.Load(); s != nil {
		return *s
	}
	return ""
}

// Watch sets the sink of change notifications. Events that arrive before
// it is called are dropped.
func (b *Brick) Watch(fn func(fop.Event)) { b.sink.Store(&fn) }

func (b *Brick) emit(ev fop.Event) {
	if fn := b.sink.Load(); fn != nil {
		(*fn)(ev)
	}
}

// WaitReady waits until the first session is up, ctx ends or the brick is
// closed.
func (b *Brick) WaitReady(ctx context.Context) error {
	_, err := b.waitSession(ctx, 0)
	if err != nil {
		return fmt.Errorf("brick %s: %w", b.ref, err)
	}
	return nil
}

// Close ends the session and the connection. Open files and directories
// become unusable (ENOTCONN).
func (b *Brick) Close() error {
	var err error
	b.closeOnce.Do(func() {
		b.closeCarried()
		b.cancel()
		<-b.done
		if cerr := b.conn.Close(); cerr != nil {
			err = fmt.Errorf("brick %s: close: %w", b.ref, cerr)
		}
	})
	return err
}

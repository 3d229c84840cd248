package peer

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/hashicorp/raft"
)

// The daemon's TCP port carries gRPC (management and bricks) and raft:
// a raft connection starts with the byte raftMagic, a gRPC connection with
// the HTTP/2 preface ("PRI * HTTP/2.0"). mux sorts accepted connections by
// that first byte.

const (
	raftMagic = 0xC7
	// firstByteTimeout bounds the wait for a new connection's first byte.
	firstByteTimeout = 10 * time.Second
)

// mux splits one TCP listener into a gRPC listener and raft stream layers.
type mux struct {
	log  *slog.Logger
	lis  net.Listener
	grpc *chanListener

	// mu guards raft, the current raft stream layer (replaced when the
	// daemon joins or leaves a pool).
	mu   sync.Mutex
	raft *chanListener

	wg sync.WaitGroup
}

func newMux(lis net.Listener, log *slog.Logger) *mux {
	return &mux{log: log, lis: lis, grpc: newChanListener(lis.Addr())}
}

// serve accepts connections until the listener is closed.
func (m *mux) serve() {
	defer m.wg.Done()
	for {
		c, err := m.lis.Accept()
		if err != nil {
			m.grpc.close()
			m.mu.Lock()
			if m.raft != nil {
				m.raft.close()
			}
			m.mu.Unlock()
			return
		}
		m.wg.Add(1)
		go m.sort(c)
	}
}

// start runs serve in a goroutine owned by m (ended by close).
func (m *mux) start() {
	m.wg.Add(1)
	go m.serve()
}

// close closes the listener and waits for the connections being sorted.
func (m *mux) close() {
	_ = m.lis.Close()
	m.wg.Wait()
}

// sort reads the first byte of c and hands c to gRPC or raft.
func (m *mux) sort(c net.Conn) {
	defer m.wg.Done()
	_ = c.SetReadDeadline(time.Now().Add(firstByteTimeout))
	br := bufio.NewReaderSize(c, 1)
	b, err := br.Peek(1)
	_ = c.SetReadDeadline(time.Time{})
	if err != nil {
		_ = c.Close()
		return
	}
	if b[0] == raftMagic {
		_, _ = br.Discard(1)
		m.mu.Lock()
		l := m.raft
		m.mu.Unlock()
		if l == nil || !l.put(&bufConn{Conn: c, r: br}) {
			_ = c.Close()
		}
		return
	}
	if !m.grpc.put(&bufConn{Conn: c, r: br}) {
		_ = c.Close()
	}
}

// raftLayer returns a new raft stream layer; raft connections go to it
// from now on (the previous one is closed).
func (m *mux) raftLayer() *streamLayer {
	l := newChanListener(m.lis.Addr())
	m.mu.Lock()
	if m.raft != nil {
		m.raft.close()
	}
	m.raft = l
	m.mu.Unlock()
	return &streamLayer{chanListener: l}
}

// bufConn is a connection whose first bytes were read into r.
type bufConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *bufConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// chanListener is a net.Listener fed by the mux.
type chanListener struct {
	addr   net.Addr
	conns  chan net.Conn
	done   chan struct{}
	closed sync.Once
}

func newChanListener(addr net.Addr) *chanListener {
	return &chanListener{addr: addr, conns: make(chan net.Conn), done: make(chan struct{})}
}

// put hands c to Accept; false once the listener is closed.
func (l *chanListener) put(c net.Conn) bool {
	select {
	case l.conns <- c:
		return true
	case <-l.done:
		return false
	}
}

func (l *chanListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *chanListener) close() { l.closed.Do(func() { close(l.done) }) }

func (l *chanListener) Close() error { l.close(); return nil }

func (l *chanListener) Addr() net.Addr { return l.addr }

// streamLayer is raft's transport over the mux: it accepts the raft
// connections of the mux and dials others' with the magic byte.
type streamLayer struct {
	*chanListener
}

var _ raft.StreamLayer = (*streamLayer)(nil)

// Dial opens a raft connection to a peer's daemon port.
func (s *streamLayer) Dial(addr raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", string(addr))
	if err != nil {
		return nil, fmt.Errorf("raft dial %s: %w", addr, err)
	}
	if _, err := c.Write([]byte{raftMagic}); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("raft dial %s: %w", addr, err)
	}
	return c, nil
}

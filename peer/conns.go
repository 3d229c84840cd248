package peer

import (
	"fmt"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/mortarfs/mortar/proto/mgmtpb"
)

// connPool keeps one client connection per peer address.
type connPool struct {
	// mu guards conns.
	mu    sync.Mutex
	conns map[string]*grpc.ClientConn
}

func newConnPool() *connPool { return &connPool{conns: map[string]*grpc.ClientConn{}} }

// get returns the connection to addr, made on first use (gRPC connects
// lazily and reconnects by itself).
func (p *connPool) get(addr string) (*grpc.ClientConn, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.conns[addr]; ok {
		return c, nil
	}
	c, err := grpc.NewClient("passthrough:///"+addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("peer %s: %w", addr, err)
	}
	p.conns[addr] = c
	return c, nil
}

// peer returns the Peer service of the daemon at addr.
func (p *connPool) peer(addr string) (mgmtpb.PeerClient, error) {
	c, err := p.get(addr)
	if err != nil {
		return nil, err
	}
	return mgmtpb.NewPeerClient(c), nil
}

func (p *connPool) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for a, c := range p.conns {
		_ = c.Close()
		delete(p.conns, a)
	}
}

package cluster_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mortarfs/mortar/tests/cluster"
)

// echoServer answers every line with the same line.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, _ = io.Copy(c, c)
				c.Close()
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln.Addr().String()
}

type echoConn struct {
	c net.Conn
	r *bufio.Reader
}

func dialEcho(t *testing.T, addr string) *echoConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &echoConn{c: c, r: bufio.NewReader(c)}
}

// roundTrip sends line and reads the answer, waiting at most wait.
func (e *echoConn) roundTrip(line string, wait time.Duration) (string, error) {
	if err := e.c.SetDeadline(time.Now().Add(wait)); err != nil {
		return "", err
	}
	if _, err := io.WriteString(e.c, line+"\n"); err != nil {
		return "", err
	}
	got, err := e.r.ReadString('\n')
	return strings.TrimSuffix(got, "\n"), err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestProxyPass(t *testing.T) {
	p := cluster.NewProxy(t, echoServer(t))
	c := dialEcho(t, p.Addr())
	for _, s := range []string{"one", "two", strings.Repeat("x", 200000)} {
		got, err := c.roundTrip(s, 5*time.Second)
		if err != nil || got != s {
			t.Fatalf("through the proxy: %d bytes back (%v), want %d", len(got), err, len(s))
		}
	}
	if n := p.Conns(); n != 1 {
		t.Errorf("Conns() = %d, want 1", n)
	}
}

// TestProxyBlackhole: nothing gets through either way, on old and new
// connections, and nothing is closed; Pass closes the connections that lost
// bytes and lets new ones through.
func TestProxyBlackhole(t *testing.T) {
	p := cluster.NewProxy(t, echoServer(t))
	used := dialEcho(t, p.Addr())
	if _, err := used.roundTrip("before", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	idle := dialEcho(t, p.Addr())
	cluster.WaitFor(t, 5*time.Second, "two connections through the proxy", func() bool { return p.Conns() == 2 })

	p.Blackhole()
	if got, err := used.roundTrip("lost", 300*time.Millisecond); !isTimeout(err) {
		t.Errorf("blackholed connection: got %q, %v; want a timeout", got, err)
	}
	fresh := dialEcho(t, p.Addr()) // accepted, but nothing passes
	if got, err := fresh.roundTrip("lost too", 300*time.Millisecond); !isTimeout(err) {
		t.Errorf("connection made during the blackhole: got %q, %v; want a timeout", got, err)
	}

	p.Pass()
	// used and fresh lost bytes: closed. idle lost nothing: it goes on.
	for name, c := range map[string]*echoConn{"used": used, "fresh": fresh} {
		if got, err := c.roundTrip("after", 5*time.Second); err == nil || isTimeout(err) {
			t.Errorf("%s connection after Pass: got %q, %v; want it closed (its stream lost bytes)", name, got, err)
		}
	}
	if got, err := idle.roundTrip("idle", 5*time.Second); err != nil || got != "idle" {
		t.Errorf("idle connection after Pass: %q, %v; want the echo", got, err)
	}
	c := dialEcho(t, p.Addr())
	if got, err := c.roundTrip("new", 5*time.Second); err != nil || got != "new" {
		t.Errorf("new connection after Pass: %q, %v", got, err)
	}
}

func TestProxyReset(t *testing.T) {
	p := cluster.NewProxy(t, echoServer(t))
	c := dialEcho(t, p.Addr())
	if _, err := c.roundTrip("x", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	p.Reset()
	if got, err := c.roundTrip("y", 5*time.Second); err == nil || isTimeout(err) {
		t.Errorf("after Reset: got %q, %v; want the connection closed", got, err)
	}
	cluster.WaitFor(t, 5*time.Second, "the proxy to forget the reset connection", func() bool { return p.Conns() == 0 })
	c2 := dialEcho(t, p.Addr())
	if got, err := c2.roundTrip("z", 5*time.Second); err != nil || got != "z" {
		t.Errorf("new connection after Reset: %q, %v", got, err)
	}
}

func TestProxyDelay(t *testing.T) {
	p := cluster.NewProxy(t, echoServer(t))
	c := dialEcho(t, p.Addr())
	const d = 150 * time.Millisecond
	p.Delay(d)
	start := time.Now()
	if got, err := c.roundTrip("slow", 5*time.Second); err != nil || got != "slow" {
		t.Fatalf("delayed round trip: %q, %v", got, err)
	}
	if rtt := time.Since(start); rtt < 2*d {
		t.Errorf("round trip with %v each way took %v", d, rtt)
	}
	p.Delay(0)
	start = time.Now()
	if _, err := c.roundTrip("fast", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if rtt := time.Since(start); rtt >= d {
		t.Errorf("round trip after Delay(0) took %v", rtt)
	}
}

// TestProxyTargetDown: with nothing listening behind it, the proxy closes
// what it accepts, as a client sees a brick that is down.
func TestProxyTargetDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := cluster.NewProxy(t, addr)
	c := dialEcho(t, p.Addr())
	if got, err := c.roundTrip("x", 5*time.Second); err == nil || isTimeout(err) {
		t.Errorf("through a proxy to nothing: %q, %v; want the connection closed", got, err)
	}
}

// TestProxyPartitionsMount mounts a one-brick volume through a proxy: with
// the proxy blackholed a read fails within seconds instead of hanging, and
// after Pass the mount serves again by itself.
func TestProxyPartitionsMount(t *testing.T) {
	cluster.RequireFUSE(t)
	bricks, proxies := cluster.StartBricksBehindProxies(t, 1)
	v := cluster.NewVolume(t, bricks, 1, 0)
	mnt := v.MountThrough(t, proxies, "attribute-timeout=0", "entry-timeout=0", "negative-timeout=0")
	p := mnt + "/file"
	if err := os.WriteFile(p, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	proxies[0].Blackhole()
	start := time.Now()
	out, err := catWithin(mnt+"/file", 30*time.Second)
	if err == nil {
		t.Errorf("cat with the brick blackholed: %q, want an error", out)
	} else if took := time.Since(start); took > 15*time.Second {
		t.Errorf("cat with the brick blackholed took %v to fail (%v); want a few seconds", took.Round(time.Second), err)
	}
	proxies[0].Pass()
	var got string
	cluster.WaitFor(t, 30*time.Second, "the mount to serve again after the partition ended", func() bool {
		got, err = catWithin(p, 10*time.Second)
		return err == nil
	})
	if got != "hello\n" {
		t.Errorf("after the partition: %q", got)
	}
}

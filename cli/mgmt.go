package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/mortarfs/mortar/peer"
	"github.com/mortarfs/mortar/proto/mgmtpb"
)

// DefaultSocket is the local daemon's unix socket.
const DefaultSocket = "/run/mortar/mortar.sock"

// mgmtTimeout bounds one management command.
const mgmtTimeout = 60 * time.Second

// mgmtFlags are the flags of every command that talks to a daemon.
type mgmtFlags struct {
	remote string
	socket string
	json   bool
}

func (m *mgmtFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&m.remote, "remote-host", "", "talk to the daemon at HOST[:PORT] instead of the local one")
	fs.StringVar(&m.socket, "socket", DefaultSocket, "the local daemon's unix socket")
	fs.BoolVar(&m.json, "json", false, "print JSON")
}

// target is the daemon the command talks to, for messages and dialing.
func (m *mgmtFlags) target() string {
	if m.remote == "" {
		return "unix:" + m.socket
	}
	if _, _, err := net.SplitHostPort(m.remote); err == nil {
		return m.remote
	}
	return net.JoinHostPort(m.remote, strconv.Itoa(peer.DefaultPort))
}

// call dials the daemon and runs fn with its Pool service.
func (m *mgmtFlags) call(ctx context.Context, fn func(ctx context.Context, c mgmtpb.PoolClient) error) error {
	target := m.target()
	dial := target
	if m.remote != "" {
		dial = "passthrough:///" + target
	}
	conn, err := grpc.NewClient(dial, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("daemon at %s: %w", target, err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(ctx, mgmtTimeout)
	defer cancel()
	err = fn(ctx, mgmtpb.NewPoolClient(conn))
	if err == nil {
		return nil
	}
	s, _ := status.FromError(err)
	if s.Code() == codes.Unavailable && !isNoQuorum(s.Message()) && isConnError(s.Message()) {
		return fmt.Errorf("cannot reach the mortar daemon at %s (is it running?): %s", target, s.Message())
	}
	return fmt.Errorf("failed: %s", s.Message())
}

func isNoQuorum(msg string) bool { return strings.HasPrefix(msg, "no quorum of the pool") }

func isConnError(msg string) bool {
	for _, w := range []string{"connection error", "connection refused", "no such file", "dial"} {
		if strings.Contains(strings.ToLower(msg), w) {
			return true
		}
	}
	return false
}

// printJSON prints a reply as JSON (proto field names).
func printJSON(w io.Writer, m proto.Message) error {
	b, err := protojson.MarshalOptions{Multiline: true, Indent: "  ", UseProtoNames: true, EmitUnpopulated: true}.Marshal(m)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

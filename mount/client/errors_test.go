package client

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestConvert(t *testing.T) {
	live := &session{ctx: context.Background()}
	ended, endSession := context.WithCancel(context.Background())
	endSession()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithTimeout(context.Background(), 0)
	defer cancel2()
	bg := context.Background()

	cases := []struct {
		name string
		ctx  context.Context
		s    *session
		err  error
		want syscall.Errno
	}{
		{"unavailable", bg, live, status.Error(codes.Unavailable, "x"), syscall.ENOTCONN},
		{"deadline", bg, live, status.Error(codes.DeadlineExceeded, "x"), syscall.ETIMEDOUT},
		{"canceled", bg, live, status.Error(codes.Canceled, "x"), syscall.EINTR},
		{"internal", bg, live, status.Error(codes.Internal, "x"), syscall.EIO},
		{"unknown session", bg, live, status.Error(codes.FailedPrecondition, "x"), syscall.EIO},
		{"not found", bg, live, status.Error(codes.NotFound, "x"), syscall.EIO},
		{"plain error", bg, live, errors.New("boom"), syscall.EIO},
		{"reply errno passes", bg, live, fmt.Errorf("reopen: %w", syscall.ESTALE), syscall.ESTALE},
		{"caller cancelled", cancelled, live, status.Error(codes.Canceled, "x"), syscall.EINTR},
		{"caller deadline", expired, live, status.Error(codes.DeadlineExceeded, "x"), syscall.ETIMEDOUT},
		{"session ended", bg, &session{ctx: ended}, status.Error(codes.Canceled, "x"), syscall.ENOTCONN},
		{"caller wins over session", cancelled, &session{ctx: ended}, status.Error(codes.Canceled, "x"), syscall.EINTR},
	}
	for _, c := range cases {
		got := convert(c.ctx, c.s, c.err)
		var errno syscall.Errno
		if !errors.As(got, &errno) || errno != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if convert(bg, live, nil) != nil {
		t.Error("nil error converted to non-nil")
	}
}

func TestReplyErr(t *testing.T) {
	if replyErr(0) != nil {
		t.Fatal("errno 0 is an error")
	}
	for _, e := range []int32{int32(syscall.ENOENT), -int32(syscall.ENOENT)} {
		if !errors.Is(replyErr(e), syscall.ENOENT) {
			t.Fatalf("replyErr(%d) = %v", e, replyErr(e))
		}
	}
}

func TestOpErrWrapsErrno(t *testing.T) {
	b := &Brick{}
	b.ref.Addr, b.ref.Name = "h:1", "b1"
	err := b.opErr("lookup", entryName{name: "x"}, replyErr(int32(syscall.EEXIST)))
	var errno syscall.Errno
	if !errors.As(err, &errno) || errno != syscall.EEXIST {
		t.Fatalf("%v does not wrap EEXIST", err)
	}
	if b.opErr("x", nil, nil) != nil {
		t.Fatal("nil stays nil")
	}
}

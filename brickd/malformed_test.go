package brickd

import (
	"context"
	"reflect"
	"syscall"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/mortarfs/mortar/proto/brickpb"
)

// TestEmptyRequests sends every unary RPC a request that names only the
// session: no panic, and a clear errno (EINVAL for a missing gfid).
func TestEmptyRequests(t *testing.T) {
	ts := newTestServer(t)
	c := ts.session()
	rv := reflect.ValueOf(c.rpc)
	ct := reflect.TypeOf((*brickpb.BrickClient)(nil)).Elem()
	ok := map[string]bool{"Statfs": true} // the brick's capacity needs no gfid
	for i := 0; i < ct.NumMethod(); i++ {
		m := ct.Method(i)
		if m.Name == "Session" {
			continue
		}
		in := reflect.New(m.Type.In(1).Elem())
		msg := in.Interface().(proto.Message).ProtoReflect()
		msg.Set(msg.Descriptor().Fields().ByName("session"), protoreflect.ValueOfUint64(c.id))
		out := rv.MethodByName(m.Name).Call([]reflect.Value{reflect.ValueOf(context.Background()), in})
		if err, _ := out[1].Interface().(error); err != nil {
			t.Errorf("%s: %v", m.Name, err)
			continue
		}
		rep := out[0].Interface().(proto.Message).ProtoReflect()
		errno := syscall.Errno(rep.Get(rep.Descriptor().Fields().ByName("errno")).Int())
		switch {
		case ok[m.Name]:
			if errno != 0 {
				t.Errorf("%s: %v", m.Name, errno)
			}
		case errno == 0:
			t.Errorf("%s of nothing succeeded", m.Name)
		case errno != syscall.EINVAL && errno != syscall.EBADF:
			t.Errorf("%s: %v, want EINVAL or EBADF", m.Name, errno)
		}
	}
}

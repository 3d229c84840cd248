package brickcodec

import (
	"bytes"
	"testing"

	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/mortarfs/mortar/proto/brickpb"
)

func heldCount() int {
	n := 0
	held.Range(func(_, _ any) bool { n++; return true })
	return n
}

// split cuts b into pieces, as a transport delivers a message in frames.
func split(b []byte, piece int) mem.BufferSlice {
	var s mem.BufferSlice
	for len(b) > 0 {
		n := min(piece, len(b))
		s = append(s, mem.SliceBuffer(append([]byte(nil), b[:n]...)))
		b = b[n:]
	}
	return s
}

func TestWriteRequestRoundTrip(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	in := &brickpb.WriteRequest{Session: 7, Gfid: []byte("gfid-of-16-bytes"), Fd: 3, Offset: 1 << 40, Data: data}
	out, err := Codec{}.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	wire := out.Materialize()
	out.Free()
	if want, _ := proto.Marshal(in); !bytes.Equal(wire, want) {
		t.Fatalf("marshalled %d bytes differ from protobuf's %d", len(wire), len(want))
	}
	before := heldCount()
	var got brickpb.WriteRequest
	if err := (Codec{}).Unmarshal(split(wire, 16384), &got); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(&got, in) {
		t.Fatalf("decoded %v, want the request sent", got.String()[:80])
	}
	if heldCount() != before+1 {
		t.Fatalf("the decoded request holds no buffer")
	}
	Release(&got)
	if heldCount() != before || got.Data != nil {
		t.Fatalf("Release kept the buffer (held %d, data %d bytes)", heldCount()-before, len(got.Data))
	}
	Release(&got) // twice, and never-received requests: nothing happens
	Release(&brickpb.WriteRequest{Data: data})
	if !bytes.Equal(in.Data, data) {
		t.Fatal("the sender's data changed")
	}
}

func TestWriteRequestDecodesAsProtobuf(t *testing.T) {
	base, _ := proto.Marshal(&brickpb.WriteRequest{Session: 1, Fd: 2, Offset: 3, Data: []byte("first")})
	// A second data field (the last wins), an unknown field, and data
	// with a wrong wire type (kept as unknown, as protobuf does).
	wire := protowire.AppendTag(append([]byte(nil), base...), 5, protowire.BytesType)
	wire = protowire.AppendBytes(wire, []byte("second"))
	wire = protowire.AppendTag(wire, 99, protowire.VarintType)
	wire = protowire.AppendVarint(wire, 12345)
	wire = protowire.AppendTag(wire, 5, protowire.VarintType)
	wire = protowire.AppendVarint(wire, 1)
	var want, got brickpb.WriteRequest
	if err := proto.Unmarshal(wire, &want); err != nil {
		t.Fatal(err)
	}
	if err := (Codec{}).Unmarshal(split(wire, 7), &got); err != nil {
		t.Fatal(err)
	}
	defer Release(&got)
	if !proto.Equal(&got, &want) || string(got.Data) != "second" {
		t.Fatalf("decoded %v, protobuf decodes %v", &got, &want)
	}
}

func TestMalformedInputFailsAndHoldsNothing(t *testing.T) {
	good, _ := proto.Marshal(&brickpb.WriteRequest{Session: 1, Data: bytes.Repeat([]byte{1}, 4096)})
	before := heldCount()
	for name, wire := range map[string][]byte{
		"truncated data":  good[:len(good)-1],
		"truncated tag":   {0x80},
		"bad length":      {0x2a, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"group end alone": {0x0c},
	} {
		var w brickpb.WriteRequest
		err := (Codec{}).Unmarshal(split(wire, 3), &w)
		var ref brickpb.WriteRequest
		if proto.Unmarshal(wire, &ref) == nil {
			t.Fatalf("%s: protobuf accepts it; the case is wrong", name)
		}
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if heldCount() != before {
		t.Fatalf("failed decodes hold %d buffers", heldCount()-before)
	}
}

func TestOtherMessagesRoundTrip(t *testing.T) {
	in := &brickpb.ReadReply{Errno: 5, Data: bytes.Repeat([]byte{9}, 1<<20+17)}
	out, err := Codec{}.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var got brickpb.ReadReply
	err = Codec{}.Unmarshal(out, &got)
	out.Free()
	if err != nil || !proto.Equal(&got, in) {
		t.Fatalf("round trip: %v", err)
	}
	if _, err := (Codec{}).Marshal(struct{}{}); err == nil {
		t.Fatal("marshalled a non-message")
	}
}

// TestClassPool: a buffer comes in the smallest class that holds the
// length asked for, is reused after Put, and one past the largest class
// is allocated and never pooled.
func TestClassPool(t *testing.T) {
	p := newClassPool(8, 12, 21)
	b := p.Get(300)
	if len(*b) != 300 || cap(*b) != 1<<12 {
		t.Fatalf("Get(300): len %d cap %d, want 300 and %d", len(*b), cap(*b), 1<<12)
	}
	(*b)[0] = 7
	p.Put(b)
	again := p.Get(4096)
	if len(*again) != 4096 || cap(*again) != 1<<12 {
		t.Fatalf("Get(4096): len %d cap %d", len(*again), cap(*again))
	}
	if big := p.Get(1<<21 + 1); len(*big) != 1<<21+1 {
		t.Fatalf("Get past the largest class: len %d", len(*big))
	}
	odd := make([]byte, 10, 1000)
	p.Put(&odd) // not a class size: dropped
	if got := p.Get(900); cap(*got) != 1<<12 {
		t.Fatalf("a dropped buffer came back: cap %d", cap(*got))
	}
}

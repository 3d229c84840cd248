package heal

import (
	"context"
	"fmt"
)

// window returns how many bytes one checksum round covers: as many chunks
// as one Rchecksum may carry, within its span.
func (c *copier) window() int64 {
	n := min(int64(maxChecksumSpan)/int64(c.chunk), maxChecksums)
	return max(n, 1) * int64(c.chunk)
}

// copyRange copies the chunks of [a, b) whose checksums differ between
// source and sink, one checksum window after the other.
func (c *copier) copyRange(ctx context.Context, a, b int64) error {
	for w := a; w < b; w += c.window() {
		n := min(c.window(), b-w)
		diff, err := c.differing(ctx, w, n)
		if err != nil {
			return err
		}
		for _, r := range c.runs(diff, w, w+n) {
			if err := c.copyBytes(ctx, r[0], r[1]); err != nil {
				return err
			}
		}
	}
	return nil
}

// differing compares the chunks of [off, off+n) on source and sink (their
// checksums are computed in parallel) and returns which differ.
func (c *copier) differing(ctx context.Context, off, n int64) ([]bool, error) {
	var ss, ks [][32]byte
	var serr, kerr error
	each([]int{0, 1}, func(i int) {
		if i == 0 {
			ss, serr = c.src.Rchecksum(ctx, c.g, off, n, c.chunk)
		} else {
			ks, kerr = c.sink.Rchecksum(ctx, c.g, off, n, c.chunk)
		}
	})
	if serr != nil {
		return nil, fmt.Errorf("checksums of the source at %d: %w", off, serr)
	}
	if kerr != nil {
		return nil, fmt.Errorf("checksums at %d: %w", off, kerr)
	}
	chunks := int((n + int64(c.chunk) - 1) / int64(c.chunk))
	diff := make([]bool, chunks)
	for i := range diff {
		diff[i] = i >= len(ss) || i >= len(ks) || ss[i] != ks[i]
	}
	return diff, nil
}

// runs turns the differing chunks of the window [w, end) into byte ranges
// of at most max(chunk, maxIO) bytes, merging neighbours.
func (c *copier) runs(diff []bool, w, end int64) [][2]int64 {
	limit := int64(max(c.chunk, maxIO))
	var out [][2]int64
	for i, d := range diff {
		if !d {
			continue
		}
		a := w + int64(i)*int64(c.chunk)
		b := min(a+int64(c.chunk), end)
		if last := len(out) - 1; last >= 0 && out[last][1] == a && b-out[last][0] <= limit {
			out[last][1] = b
			continue
		}
		out = append(out, [2]int64{a, b})
	}
	return out
}

// copyBytes reads [a, b) from the source and writes it to the sink.
func (c *copier) copyBytes(ctx context.Context, a, b int64) error {
	if int64(cap(c.buf)) < b-a {
		c.buf = make([]byte, b-a)
	}
	buf := c.buf[:b-a]
	n, err := c.sf.Read(ctx, buf, a)
	if err != nil {
		return fmt.Errorf("read the source at %d: %w", a, err)
	}
	if int64(n) < b-a {
		return fmt.Errorf("read the source at %d: %d bytes, want %d: the file changed under the lock", a, n, b-a)
	}
	w, err := c.kf.Write(ctx, buf, a)
	c.written += int64(w)
	if err != nil {
		return fmt.Errorf("write at %d: %w", a, err)
	}
	if w < n {
		return fmt.Errorf("write at %d: short write of %d bytes out of %d", a, w, n)
	}
	return nil
}

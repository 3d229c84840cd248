package volfile

import (
	"fmt"
	"net"
	"strings"
)

// ServerAddr returns HOST:PORT for a server given as HOST, HOST:PORT,
// [IPv6] or [IPv6]:PORT; a unix socket (unix:/PATH, the local daemon's)
// is kept as it is.
func ServerAddr(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("empty volfile server")
	}
	if strings.HasPrefix(s, "unix:") {
		return s, nil
	}
	if host, port, err := net.SplitHostPort(s); err == nil {
		if host == "" || port == "" {
			return "", fmt.Errorf("volfile server %q: want HOST[:PORT]", s)
		}
		return s, nil
	}
	host := strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	if strings.ContainsAny(host, "[]/") {
		return "", fmt.Errorf("volfile server %q: want HOST[:PORT]", s)
	}
	return net.JoinHostPort(host, DefaultPort), nil
}

// ParseSource parses a mount source, HOST[:PORT]:/VOLUME (also
// HOST[:PORT]:VOLUME, as GlusterFS accepts), into the server and the
// volume name.
func ParseSource(src string) (server, vol string, err error) {
	i := strings.LastIndex(src, ":/")
	switch {
	case i > 0:
		server, vol = src[:i], src[i+2:]
	default:
		i = strings.LastIndex(src, ":")
		if i <= 0 {
			return "", "", fmt.Errorf("source %q: want HOST:/VOLUME", src)
		}
		server, vol = src[:i], src[i+1:]
	}
	vol = strings.Trim(vol, "/")
	if vol == "" || strings.Contains(vol, "/") {
		return "", "", fmt.Errorf("source %q: want HOST:/VOLUME", src)
	}
	if _, err := ServerAddr(server); err != nil {
		return "", "", fmt.Errorf("source %q: %w", src, err)
	}
	return server, vol, nil
}

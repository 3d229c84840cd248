package volume

import (
	"fmt"
	"net"
	"path"
	"sort"
	"strconv"
	"strings"
)

// OptionSpec describes one volume option (`mortar volume set NAME OPTION
// VALUE`).
type OptionSpec struct {
	Name        string // gluster's name, e.g. "cluster.quorum-type"
	Default     string
	Description string
	// Mount is the mount option (mount/options.go) the value is handed to
	// clients as, in Volfile.Options; "" for options the servers apply.
	Mount string
	// check validates a value and returns its canonical form.
	check func(string) (string, error)
}

// optionSpecs is the table of volume options, documented in
// docs/admin-guide.md.
var optionSpecs = []OptionSpec{
	{Name: "auth.allow", Default: "*", check: checkAuthList,
		Description: "clients allowed to fetch the volfile: comma-separated addresses, wildcards (192.168.*.*) or CIDR"},
	{Name: "auth.reject", Default: "", check: checkAuthList,
		Description: "clients refused (wins over auth.allow): same syntax as auth.allow"},
	{Name: "cluster.quorum-type", Default: "auto", Mount: "quorum-type", check: oneOf("auto", "fixed", "none"),
		Description: "write quorum of a replica set: auto (majority; for 2 bricks the first), fixed (cluster.quorum-count), none"},
	{Name: "cluster.quorum-count", Default: "", Mount: "quorum-count", check: positiveInt,
		Description: "bricks of a set that must take a write with quorum-type fixed"},
	{Name: "cluster.favorite-child-policy", Default: "none", Mount: "favorite-child-policy", check: oneOf("none", "size", "mtime", "majority"),
		Description: "resolve split-brain automatically: none, size (bigger file), mtime (latest), majority"},
	{Name: "cluster.post-op-delay-secs", Default: "1", Mount: "post-op-delay", check: seconds,
		Description: "delayed post-op of replicated writes, seconds (0: none)"},
	{Name: "performance.attribute-timeout", Default: "1", Mount: "attribute-timeout", check: seconds,
		Description: "kernel attribute cache timeout of clients, seconds"},
	{Name: "performance.entry-timeout", Default: "1", Mount: "entry-timeout", check: seconds,
		Description: "kernel entry cache timeout of clients, seconds"},
	{Name: "performance.write-behind", Default: "on", Mount: "write-behind", check: onOff,
		Description: "answer writes once copied, and send them to the bricks in the background (errors reach the next write, fsync or close)"},
	{Name: "performance.write-behind-window-size", Default: "4MB", Mount: "write-behind-window-size", check: size,
		Description: "bytes of each file's writes that may be answered before they reach the bricks"},
	{Name: "performance.negative-timeout", Default: "1", Mount: "negative-timeout", check: seconds,
		Description: "kernel negative lookup cache timeout of clients, seconds"},
}

// OptionSpecs returns the table of volume options, sorted by name.
func OptionSpecs() []OptionSpec {
	out := append([]OptionSpec(nil), optionSpecs...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LookupOption finds an option by its full name.
func LookupOption(name string) (OptionSpec, bool) {
	for _, o := range optionSpecs {
		if o.Name == name {
			return o, true
		}
	}
	return OptionSpec{}, false
}

// CheckOption validates a value of option name and returns its canonical
// form.
func CheckOption(name, value string) (string, error) {
	o, ok := LookupOption(name)
	if !ok {
		return "", fmt.Errorf("option %s does not exist", name)
	}
	v, err := o.check(strings.TrimSpace(value))
	if err != nil {
		return "", fmt.Errorf("option %s: value %q: %w", name, value, err)
	}
	return v, nil
}

// CheckOptions validates a set of options as a whole, after each value
// passed CheckOption.
func CheckOptions(opts map[string]string) error {
	if opts["cluster.quorum-type"] == "fixed" && opts["cluster.quorum-count"] == "" {
		return fmt.Errorf("cluster.quorum-type fixed needs cluster.quorum-count")
	}
	return nil
}

// MountOptions returns the options clients apply, under their mount option
// keys (Volfile.Options).
func MountOptions(opts map[string]string) map[string]string {
	out := map[string]string{}
	for _, o := range optionSpecs {
		v, ok := opts[o.Name]
		if !ok || o.Mount == "" {
			continue
		}
		out[o.Mount] = v
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func oneOf(values ...string) func(string) (string, error) {
	return func(v string) (string, error) {
		for _, w := range values {
			if strings.EqualFold(v, w) {
				return w, nil
			}
		}
		return "", fmt.Errorf("want one of %s", strings.Join(values, ", "))
	}
}

func onOff(v string) (string, error) {
	switch strings.ToLower(v) {
	case "on", "yes", "true", "enable", "1":
		return "on", nil
	case "off", "no", "false", "disable", "0":
		return "off", nil
	}
	return "", fmt.Errorf("want on or off")
}

func size(v string) (string, error) {
	if _, err := ParseSize(v); err != nil {
		return "", err
	}
	return v, nil
}

// ParseSize parses a byte count of at most 1 GiB with an optional K, M or
// G suffix (KB, MB, GB too; powers of 1024, as GlusterFS's sizes).
func ParseSize(s string) (int, error) {
	num := strings.TrimSuffix(strings.ToUpper(s), "B")
	mult := 1
	if n := len(num); n > 0 {
		switch num[n-1] {
		case 'K':
			mult = 1 << 10
		case 'M':
			mult = 1 << 20
		case 'G':
			mult = 1 << 30
		}
		if mult > 1 {
			num = num[:n-1]
		}
	}
	v, err := strconv.Atoi(num)
	if err != nil || v < 0 || v > (1<<30)/mult {
		return 0, fmt.Errorf("want a size such as 4MB, at most 1GB")
	}
	return v * mult, nil
}

func positiveInt(v string) (string, error) {
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return "", fmt.Errorf("want a positive integer")
	}
	return strconv.Itoa(n), nil
}

func seconds(v string) (string, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f > 24*3600 {
		return "", fmt.Errorf("want seconds between 0 and 86400")
	}
	return strconv.FormatFloat(f, 'f', -1, 64), nil
}

// checkAuthList validates a comma-separated list of client patterns.
func checkAuthList(v string) (string, error) {
	var out []string
	for p := range strings.SplitSeq(v, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if err := checkAuthPattern(p); err != nil {
			return "", err
		}
		out = append(out, p)
	}
	return strings.Join(out, ","), nil
}

func checkAuthPattern(p string) error {
	if p == "*" || net.ParseIP(p) != nil {
		return nil
	}
	if _, _, err := net.ParseCIDR(p); err == nil {
		return nil
	}
	if isAuthGlob(p) {
		return nil
	}
	return fmt.Errorf("%q is not an address, a wildcard address (127.0.0.*, 10.1.*) or a CIDR", p)
}

// isAuthGlob says whether p is a wildcard address as GlusterFS takes
// them: digits, dots, '*' and '?', at least one wildcard, matched against
// the dotted address like fnmatch ("192.168.*" matches 192.168.4.7).
func isAuthGlob(p string) bool {
	if !strings.ContainsAny(p, "*?") {
		return false
	}
	for _, c := range p {
		if c != '.' && c != '*' && c != '?' && (c < '0' || c > '9') {
			return false
		}
	}
	_, err := path.Match(p, "")
	return err == nil
}

// AuthAllows says whether a client at ip may use a volume with the given
// auth.allow and auth.reject lists ("" allow means "*"): a client matched by
// auth.reject is refused, then one matched by auth.allow is allowed.
func AuthAllows(allow, reject string, ip net.IP) bool {
	if allow == "" {
		allow = "*"
	}
	if ip == nil {
		return false
	}
	if matchAuthList(reject, ip) {
		return false
	}
	return matchAuthList(allow, ip)
}

func matchAuthList(list string, ip net.IP) bool {
	for p := range strings.SplitSeq(list, ",") {
		if p = strings.TrimSpace(p); p != "" && matchAuth(p, ip) {
			return true
		}
	}
	return false
}

func matchAuth(p string, ip net.IP) bool {
	if p == "*" {
		return true
	}
	if q := net.ParseIP(p); q != nil {
		return q.Equal(ip)
	}
	if _, n, err := net.ParseCIDR(p); err == nil {
		return n.Contains(ip)
	}
	v4 := ip.To4()
	if v4 == nil || !isAuthGlob(p) {
		return false
	}
	ok, err := path.Match(p, v4.String())
	return err == nil && ok
}

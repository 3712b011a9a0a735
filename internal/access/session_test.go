package access

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

var (
	testKey  = bytes.Repeat([]byte{7}, 32)
	otherKey = bytes.Repeat([]byte{8}, 32)
	issued   = time.Unix(1795000000, 0)
	good     = session{User: "alice", Fingerprint: "0123456789abcdef", Issued: issued, Seen: issued.Add(time.Hour)}
)

// sessionCases drive TestParseSession and seed FuzzSession.
var sessionCases = []struct {
	name  string
	value string
	want  error // nil: parses back to good
}{
	{name: "signed", value: good.sign(testKey)},
	{name: "other key", value: good.sign(otherKey), want: errSignature},
	{name: "user changed", value: resign(good.sign(testKey), "alice", "olga", nil), want: errSignature},
	{name: "times changed", value: resign(good.sign(testKey), "|1795000000|", "|1895000000|", nil), want: errSignature},
	{name: "signature cut", value: good.sign(testKey)[:len(good.sign(testKey))-1], want: errSignature},
	{name: "signature cut to a bad length", value: good.sign(testKey)[:len(good.sign(testKey))-2], want: errMalformed},
	{name: "no signature", value: strings.Split(good.sign(testKey), ".")[0], want: errMalformed},
	{name: "empty", value: "", want: errMalformed},
	{name: "dot", value: ".", want: errSignature},
	{name: "not base64", value: "!!!.???", want: errMalformed},
	{name: "old version, signed", value: resign(good.sign(testKey), "v1|", "v0|", testKey), want: errMalformed},
	{name: "bad user name, signed", value: resign(good.sign(testKey), "alice", "al ice", testKey), want: errMalformed},
	{name: "extra field, signed", value: resign(good.sign(testKey), "alice|", "alice|x|", testKey), want: errMalformed},
	{name: "time not a number, signed", value: resign(good.sign(testKey), "|1795000000|", "|17950000x0|", testKey), want: errMalformed},
	{name: "huge", value: strings.Repeat("a", 600) + ".b", want: errMalformed},
}

// resign replaces old with new in a cookie's payload and signs it with
// key, or keeps the old signature when key is nil.
func resign(value, old, new string, key []byte) string {
	p, sig, _ := strings.Cut(value, ".")
	raw, _ := b64.DecodeString(p)
	np := b64.EncodeToString([]byte(strings.Replace(string(raw), old, new, 1)))
	if key != nil {
		sig = b64.EncodeToString(mac(key, np))
	}
	return np + "." + sig
}

func TestParseSession(t *testing.T) {
	for _, tc := range sessionCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseSession(testKey, tc.value)
			if err != tc.want {
				t.Fatalf("parseSession: %v, want %v", err, tc.want)
			}
			if err == nil && !got.Issued.Equal(good.Issued) || err == nil && (got.User != good.User || got.Fingerprint != good.Fingerprint || !got.Seen.Equal(good.Seen)) {
				t.Errorf("parsed %+v, want %+v", got, good)
			}
		})
	}
}

func TestSessionValid(t *testing.T) {
	for _, tc := range []struct {
		name string
		at   time.Duration // after the login
		seen time.Duration // after the login
		want bool
	}{
		{name: "just now", at: 0, seen: 0, want: true},
		{name: "idle 11h59m", at: 11*time.Hour + 59*time.Minute, seen: 0, want: true},
		{name: "idle 12h", at: 12 * time.Hour, seen: 0, want: false},
		{name: "used, 6 days", at: 6 * 24 * time.Hour, seen: 6*24*time.Hour - time.Hour, want: true},
		{name: "used, 7 days", at: 7 * 24 * time.Hour, seen: 7*24*time.Hour - time.Hour, want: false},
		{name: "issued in the future", at: -2 * time.Minute, seen: 0, want: false},
		{name: "seen before the login", at: time.Hour, seen: -time.Hour, want: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := session{User: "a", Fingerprint: "f", Issued: issued, Seen: issued.Add(tc.seen)}
			if got := s.valid(issued.Add(tc.at)); got != tc.want {
				t.Errorf("valid = %v, want %v", got, tc.want)
			}
		})
	}
}

// FuzzSession: any cookie value parses or is refused without a panic;
// one that parses was signed with the key, and signs back to itself.
func FuzzSession(f *testing.F) {
	for _, tc := range sessionCases {
		f.Add(tc.value)
	}
	f.Fuzz(func(t *testing.T, value string) {
		s, err := parseSession(testKey, value)
		if err != nil {
			return
		}
		if again := s.sign(testKey); again != value {
			// Only one encoding of a session is signed: base64's padding
			// bits aside, a value that parses is the one sign made.
			if _, err := parseSession(testKey, again); err != nil {
				t.Fatalf("%q parsed to %+v, which signs to %q that does not parse: %v", value, s, again, err)
			}
		}
		if _, err := parseSession(otherKey, value); err == nil {
			t.Fatalf("%q parses under another key too", value)
		}
	})
}

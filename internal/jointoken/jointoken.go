// Package jointoken makes and checks the tokens that admit nodes to a
// cluster (`baton cluster join-token create`), as kubeadm's bootstrap
// tokens do. A token is
//
//	baton-join:v1:sha256:<CA hash>:<id>.<secret>
//
// The CA hash lets the joining node verify the agent it joins through
// before it sends anything; the secret proves the right to join. The
// database keeps the id, the secret's SHA-256 and the expiry, under an
// etcd lease that ends with the token, so an expired token is gone.
package jointoken

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/batoncluster/baton/internal/pki"
)

// Dir is where the tokens live in the database. It is outside the
// store's record kinds: nothing but this package reads it.
const Dir = "/baton/v1/join-tokens/"

const prefix = "baton-join:v1:"

// DefaultTTL is a token's life when none is asked for; MaxTTL the longest.
const (
	DefaultTTL = 24 * time.Hour
	MaxTTL     = 365 * 24 * time.Hour
	MinTTL     = time.Minute
)

var (
	idRE     = regexp.MustCompile(`^[a-z0-9]{6}$`)
	secretRE = regexp.MustCompile(`^[a-f0-9]{32}$`)
)

// ErrInvalid means a token is malformed, unknown, of the wrong secret or
// expired; callers answer all alike.
var ErrInvalid = errors.New("jointoken: not a valid join token")

// Token is a parsed token.
type Token struct {
	CAHash string
	ID     string
	Secret string
}

// String is the token's printed form.
func (t Token) String() string { return prefix + t.CAHash + ":" + t.ID + "." + t.Secret }

// Parse reads a token's printed form.
func Parse(s string) (Token, error) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(s), prefix)
	if !ok {
		return Token{}, fmt.Errorf("%w: want %s<CA hash>:<id>.<secret> (baton cluster join-token create)", ErrInvalid, prefix)
	}
	i := strings.LastIndexByte(rest, ':')
	if i < 0 {
		return Token{}, fmt.Errorf("%w: no id.secret", ErrInvalid)
	}
	t := Token{CAHash: rest[:i]}
	var found bool
	t.ID, t.Secret, found = strings.Cut(rest[i+1:], ".")
	if err := pki.ValidHash(t.CAHash); err != nil {
		return Token{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if !found || !ValidID(t.ID) || !secretRE.MatchString(t.Secret) {
		return Token{}, fmt.Errorf("%w: malformed id.secret", ErrInvalid)
	}
	return t, nil
}

// ValidID checks a token id's form (6 lowercase letters or digits).
func ValidID(id string) bool { return idRE.MatchString(id) }

// Record is what the database keeps of a token.
type Record struct {
	ID          string    `json:"id"`
	SHA256      string    `json:"sha256"`
	CAHash      string    `json:"caHash"`
	Created     time.Time `json:"created"`
	Expires     time.Time `json:"expires"`
	CreatedBy   string    `json:"createdBy"`
	Description string    `json:"description,omitempty"`
}

func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Create makes a token for the CA with hash caHash, living ttl.
func Create(ctx context.Context, cli *clientv3.Client, caHash string, ttl time.Duration, by, description string) (Token, Record, error) {
	if ttl < MinTTL || ttl > MaxTTL {
		return Token{}, Record{}, fmt.Errorf("jointoken: ttl %v: between %v and %v", ttl, MinTTL, MaxTTL)
	}
	t := Token{CAHash: caHash, ID: randomString("abcdefghijklmnopqrstuvwxyz0123456789", 6), Secret: randomString("0123456789abcdef", 32)}
	now := time.Now()
	rec := Record{ID: t.ID, SHA256: hashSecret(t.Secret), CAHash: caHash, Created: now, Expires: now.Add(ttl),
		CreatedBy: by, Description: description}
	body, err := json.Marshal(rec)
	if err != nil {
		return Token{}, Record{}, err
	}
	// The lease outlives the token by up to a second; Check reads Expires.
	lease, err := cli.Grant(ctx, int64((ttl+time.Second-1)/time.Second))
	if err != nil {
		return Token{}, Record{}, fmt.Errorf("jointoken: %w", err)
	}
	key := Dir + t.ID
	resp, err := cli.Txn(ctx).If(clientv3.Compare(clientv3.CreateRevision(key), "=", 0)).
		Then(clientv3.OpPut(key, string(body), clientv3.WithLease(lease.ID))).Commit()
	if err != nil {
		return Token{}, Record{}, fmt.Errorf("jointoken: %w", err)
	}
	if !resp.Succeeded {
		// 36^6 ids: a collision is all but impossible; say so rather than loop.
		return Token{}, Record{}, errors.New("jointoken: id taken, try again")
	}
	return t, rec, nil
}

// Check returns the record of token id if it is live and secret is its
// secret, else ErrInvalid.
func Check(ctx context.Context, cli *clientv3.Client, id, secret string, now time.Time) (Record, error) {
	if !ValidID(id) || !secretRE.MatchString(secret) {
		return Record{}, ErrInvalid
	}
	resp, err := cli.Get(ctx, Dir+id)
	if err != nil {
		return Record{}, fmt.Errorf("jointoken: %w", err)
	}
	if len(resp.Kvs) == 0 {
		return Record{}, ErrInvalid
	}
	var rec Record
	if err := json.Unmarshal(resp.Kvs[0].Value, &rec); err != nil {
		return Record{}, ErrInvalid
	}
	if subtle.ConstantTimeCompare([]byte(rec.SHA256), []byte(hashSecret(secret))) != 1 || !now.Before(rec.Expires) {
		return Record{}, ErrInvalid
	}
	return rec, nil
}

// List returns the live tokens, oldest first.
func List(ctx context.Context, cli *clientv3.Client, now time.Time) ([]Record, error) {
	resp, err := cli.Get(ctx, Dir, clientv3.WithPrefix())
	if err != nil {
		return nil, fmt.Errorf("jointoken: %w", err)
	}
	var out []Record
	for _, kv := range resp.Kvs {
		var rec Record
		if json.Unmarshal(kv.Value, &rec) == nil && now.Before(rec.Expires) {
			out = append(out, rec)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, nil
}

// Delete revokes a token; it reports whether there was one.
func Delete(ctx context.Context, cli *clientv3.Client, id string) (bool, error) {
	if !ValidID(id) {
		return false, nil
	}
	resp, err := cli.Delete(ctx, Dir+id)
	if err != nil {
		return false, fmt.Errorf("jointoken: %w", err)
	}
	return resp.Deleted > 0, nil
}

func randomString(alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[randIntn(len(alphabet))]
	}
	return string(b)
}

// randIntn is uniform in [0, n) for n ≤ 256, by rejection.
func randIntn(n int) int {
	limit := 256 - 256%n
	var b [1]byte
	for {
		_, _ = rand.Read(b[:])
		if int(b[0]) < limit {
			return int(b[0]) % n
		}
	}
}

package payloadcodec

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

func testKey(id string, fill byte) Key {
	return Key{ID: id, Secret: bytes.Repeat([]byte{fill}, KeySize)}
}

func dataConverter(t *testing.T, keys ...Key) converter.DataConverter {
	t.Helper()
	c, err := New(keys)
	require.NoError(t, err)
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}

type terms struct {
	Creator string `json:"creator"`
	Fee     int64  `json:"fee"`
}

func TestRoundTripHidesThePlaintext(t *testing.T) {
	dc := dataConverter(t, testKey("k1", 1))
	in := terms{Creator: "ann@example.com", Fee: 50000}
	p, err := dc.ToPayload(in)
	require.NoError(t, err)
	require.Equal(t, EncodingEncrypted, string(p.Metadata[converter.MetadataEncoding]))
	require.Equal(t, "k1", string(p.Metadata[MetadataKeyID]))
	require.NotContains(t, string(p.Data), "ann@example.com")

	var out terms
	require.NoError(t, dc.FromPayload(p, &out))
	require.Equal(t, in, out)

	// A fresh nonce per payload: the same value never encrypts to the same bytes.
	p2, err := dc.ToPayload(in)
	require.NoError(t, err)
	require.NotEqual(t, p.Data, p2.Data)
}

func TestRotationDecodesOldKeysAndEncryptsWithTheNew(t *testing.T) {
	old, next := testKey("2025-01", 1), testKey("2026-01", 2)
	p, err := dataConverter(t, old).ToPayload(terms{Creator: "c", Fee: 1})
	require.NoError(t, err)

	rotated := dataConverter(t, next, old)
	var out terms
	require.NoError(t, rotated.FromPayload(p, &out), "a payload under the old key still decodes after a new key is prepended")
	require.Equal(t, terms{Creator: "c", Fee: 1}, out)

	fresh, err := rotated.ToPayload(out)
	require.NoError(t, err)
	require.Equal(t, "2026-01", string(fresh.Metadata[MetadataKeyID]))
}

func TestTamperingFails(t *testing.T) {
	codec, err := New([]Key{testKey("k1", 1), testKey("k2", 2)})
	require.NoError(t, err)
	enc, err := codec.Encode([]*commonpb.Payload{{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`{"fee":1}`)}})
	require.NoError(t, err)

	flipped := clonePayload(enc[0])
	flipped.Data[len(flipped.Data)-1] ^= 1
	_, err = codec.Decode([]*commonpb.Payload{flipped})
	require.ErrorContains(t, err, "fails authentication")

	relabelled := clonePayload(enc[0])
	relabelled.Metadata[MetadataKeyID] = []byte("k2")
	_, err = codec.Decode([]*commonpb.Payload{relabelled})
	require.ErrorContains(t, err, "fails authentication")

	truncated := clonePayload(enc[0])
	truncated.Data = truncated.Data[:4]
	_, err = codec.Decode([]*commonpb.Payload{truncated})
	require.ErrorContains(t, err, "truncated")
}

func TestUnknownKeyIsAClearError(t *testing.T) {
	p, err := dataConverter(t, testKey("retired", 1)).ToPayload("x")
	require.NoError(t, err)
	var s string
	err = dataConverter(t, testKey("current", 2)).FromPayload(p, &s)
	require.ErrorContains(t, err, `key "retired"`)
	require.ErrorContains(t, err, "PARTNERFLOW_PAYLOAD_KEYS")
}

func TestUnencryptedPayloadsPassThrough(t *testing.T) {
	plain, err := converter.GetDefaultDataConverter().ToPayload(terms{Creator: "c", Fee: 2})
	require.NoError(t, err)
	var out terms
	require.NoError(t, dataConverter(t, testKey("k1", 1)).FromPayload(plain, &out))
	require.Equal(t, terms{Creator: "c", Fee: 2}, out)
}

func TestParseKeys(t *testing.T) {
	k1 := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	k2 := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{8}, 32))
	keys, err := ParseKeys(" new:" + k2 + " , old:" + k1)
	require.NoError(t, err)
	require.Len(t, keys, 2)
	require.Equal(t, "new", keys[0].ID)
	require.Equal(t, bytes.Repeat([]byte{7}, 32), keys[1].Secret)

	short := base64.StdEncoding.EncodeToString([]byte("sixteen bytes!!!"))
	for in, want := range map[string]string{
		"":                     "no keys",
		k1:                     "not id:base64-key",
		":" + k1:               "not id:base64-key",
		"a:" + k1 + ",a:" + k2: "appears twice",
		"a:not*base64":         `key "a" is not standard base64`,
		"a:" + short:           `key "a" is 16 bytes`,
	} {
		_, err := ParseKeys(in)
		require.ErrorContains(t, err, want, "input %q", in)
		require.False(t, strings.Contains(err.Error(), k1) || strings.Contains(err.Error(), short), "no key material in errors")
	}
}

func clonePayload(p *commonpb.Payload) *commonpb.Payload {
	md := map[string][]byte{}
	for k, v := range p.Metadata {
		md[k] = append([]byte(nil), v...)
	}
	return &commonpb.Payload{Metadata: md, Data: append([]byte(nil), p.Data...)}
}

// BenchmarkEncodeDecode measures one 8 KiB payload (a partnership snapshot is a few KiB)
// encrypted and decrypted.
func BenchmarkEncodeDecode(b *testing.B) {
	c, err := New([]Key{testKey("k1", 1)})
	if err != nil {
		b.Fatal(err)
	}
	p := []*commonpb.Payload{{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: bytes.Repeat([]byte("x"), 8<<10)}}
	b.SetBytes(8 << 10)
	for b.Loop() {
		enc, err := c.Encode(p)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Decode(enc); err != nil {
			b.Fatal(err)
		}
	}
}

package partnership_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/partnerflow/partnerflow/partnership"
)

// fill sets every field reachable from v to a non-zero value: two elements in every slice and
// map, every pointer set. It recurses by type, so a field added to State later is filled too.
func fill(t *testing.T, v reflect.Value, path string, n *int) {
	t.Helper()
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", *n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(*n))
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem(), path+"*", n)
	case reflect.Slice:
		if v.Type() == reflect.TypeFor[json.RawMessage]() {
			v.SetBytes([]byte(fmt.Sprintf(`{"n":%d}`, *n)))
			return
		}
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(t, v.Index(i), fmt.Sprintf("%s[%d]", path, i), n)
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		for range 2 {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fill(t, k, path+"{k}", n)
			fill(t, e, path+"{v}", n)
			v.SetMapIndex(k, e)
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2030, 1, 1, 0, 0, *n, 0, time.UTC)))
			return
		}
		for i := range v.NumField() {
			fill(t, v.Field(i), path+"."+v.Type().Field(i).Name, n)
		}
	default:
		t.Fatalf("fill: %s has kind %s; teach the test (and Clone) about it", path, v.Kind())
	}
}

// sharesNothing fails when a and b (equal values) share any slice array, map or pointee.
func sharesNothing(t *testing.T, a, b reflect.Value, path string) {
	t.Helper()
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() {
			return
		}
		require.NotEqual(t, a.Pointer(), b.Pointer(), "%s: the clone shares the pointer", path)
		sharesNothing(t, a.Elem(), b.Elem(), path+"*")
	case reflect.Slice:
		if a.Len() == 0 {
			return
		}
		require.NotEqual(t, a.Pointer(), b.Pointer(), "%s: the clone shares the slice's array", path)
		for i := range a.Len() {
			sharesNothing(t, a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Map:
		if a.Len() == 0 {
			return
		}
		require.NotEqual(t, a.Pointer(), b.Pointer(), "%s: the clone shares the map", path)
	case reflect.Struct:
		for i := range a.NumField() {
			sharesNothing(t, a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name)
		}
	}
}

func TestCloneSharesNothing(t *testing.T) {
	var st partnership.State
	n := 0
	fill(t, reflect.ValueOf(&st).Elem(), "State", &n)
	require.Greater(t, n, 100, "the filler reached every nested field")

	c := st.Clone()
	require.Equal(t, st, c)
	sharesNothing(t, reflect.ValueOf(st), reflect.ValueOf(c), "State")

	// Changing the clone leaves the original as it was, the property the workflow relies on
	// when a local activity serialises the copy while handlers change the state.
	before, err := json.Marshal(st)
	require.NoError(t, err)
	c.Negotiation.History[0].Terms.Deliverables[0].Platform = "changed"
	c.Deliverables[0].Drafts[0].MediaURLs[0] = "changed"
	c.Deliverables[0].Drafts[0].Disclosure[2] = 'X'
	c.Contract.SigningURLs["new"] = "changed"
	c.Cycles[1].Payouts[0].PaidAt = nil
	after, err := json.Marshal(st)
	require.NoError(t, err)
	require.JSONEq(t, string(before), string(after))
}

func TestCloneKeepsNilAndEmptyApart(t *testing.T) {
	st := partnership.State{Deliverables: []partnership.Deliverable{{Drafts: []partnership.Draft{{MediaURLs: []string{}}}}},
		Payouts: nil}
	c := st.Clone()
	require.NotNil(t, c.Deliverables[0].Drafts[0].MediaURLs)
	require.Empty(t, c.Deliverables[0].Drafts[0].MediaURLs)
	require.Nil(t, c.Payouts)
	require.Nil(t, c.Deliverables[0].Publication)

	a, err := json.Marshal(st)
	require.NoError(t, err)
	b, err := json.Marshal(c)
	require.NoError(t, err)
	require.Equal(t, string(a), string(b))
}

func BenchmarkSnapshot(b *testing.B) {
	var st partnership.State
	n := 0
	fill(&testing.T{}, reflect.ValueOf(&st).Elem(), "State", &n)
	b.Run("Clone", func(b *testing.B) {
		for b.Loop() {
			_ = st.Clone()
		}
	})
	b.Run("JSON", func(b *testing.B) {
		for b.Loop() {
			var out partnership.State
			raw, _ := json.Marshal(st)
			_ = json.Unmarshal(raw, &out)
		}
	})
}

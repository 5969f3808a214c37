package sms_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/econf/econf/internal/sms"
)

// The example of Alibaba Cloud SMS's "Signature method" page: the
// canonicalized query, StringToSign and Signature are the documented ones.
func TestAliyunSignatureDocumentedExampleR_DEL_07(t *testing.T) {
	p := url.Values{}
	for k, v := range map[string]string{
		"AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123", "PhoneNumbers": "15300000001",
		"RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用", "SignatureMethod": "HMAC-SHA1",
		"SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466", "SignatureVersion": "1.0", "TemplateCode": "SMS_71390007",
		"TemplateParam": `{"customer":"test"}`, "Timestamp": "2017-07-12T02:42:19Z", "Version": "2017-05-25",
	} {
		p.Set(k, v)
	}
	if got, want := sms.AliyunSignature(http.MethodGet, p, "testSecret"), "zJDF+Lrzhj/ThnlvIToysFRq6t4="; got != want {
		t.Fatalf("signature %s, want the documented %s", got, want)
	}
	wantQuery := "AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&PhoneNumbers=15300000001&RegionId=cn-hangzhou" +
		"&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B%E8%AF%95%E4%B8%93%E7%94%A8&SignatureMethod=HMAC-SHA1" +
		"&SignatureNonce=45e25e9b-0a6f-4070-8c85-2956eda1b466&SignatureVersion=1.0&TemplateCode=SMS_71390007" +
		"&TemplateParam=%7B%22customer%22%3A%22test%22%7D&Timestamp=2017-07-12T02%3A42%3A19Z&Version=2017-05-25"
	if got := sms.Canonical(p); got != wantQuery {
		t.Fatalf("canonical query\n%s\nwant\n%s", got, wantQuery)
	}
	for in, want := range map[string]string{"a b": "a%20b", "*": "%2A", "~-_.": "~-_.", "/=&+": "%2F%3D%26%2B"} {
		if got := sms.PercentEncode(in); got != want {
			t.Errorf("PercentEncode(%q) = %q, want %q", in, got, want)
		}
	}
}

// aliyunDouble is an in-process SendSms that checks each request as the
// service does: the common parameters, a fresh nonce, a recent timestamp
// and the signature, recomputed here from the raw form body with its own
// encoder, not the adapter's.
type aliyunDouble struct {
	mu     sync.Mutex
	secret string
	now    time.Time
	nonces map[string]bool
	got    []url.Values
	refuse string // a Code to answer with instead of OK
}

func rfc3986(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("-_.~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func (d *aliyunDouble) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	defer d.mu.Unlock()
	answer := func(status int, code, msg string) {
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"Code": code, "Message": msg, "RequestId": "req-1", "BizId": "biz-1"})
	}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		answer(http.StatusBadRequest, "InvalidRequest", "want a form POST")
		return
	}
	if err := r.ParseForm(); err != nil {
		answer(http.StatusBadRequest, "InvalidRequest", err.Error())
		return
	}
	p := r.PostForm
	for k, want := range map[string]string{"Action": "SendSms", "Version": "2017-05-25", "SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0", "Format": "JSON"} {
		if p.Get(k) != want {
			answer(http.StatusBadRequest, "MissingParameter", k)
			return
		}
	}
	for _, k := range []string{"AccessKeyId", "PhoneNumbers", "SignName", "TemplateCode", "TemplateParam", "RegionId", "SignatureNonce"} {
		if p.Get(k) == "" {
			answer(http.StatusBadRequest, "MissingParameter", k)
			return
		}
	}
	ts, err := time.Parse("2006-01-02T15:04:05Z", p.Get("Timestamp"))
	if err != nil || d.now.Sub(ts).Abs() > 15*time.Minute {
		answer(http.StatusBadRequest, "InvalidTimeStamp.Expired", p.Get("Timestamp"))
		return
	}
	if d.nonces[p.Get("SignatureNonce")] {
		answer(http.StatusBadRequest, "SignatureNonceUsed", "nonce used")
		return
	}
	d.nonces[p.Get("SignatureNonce")] = true
	var keys []string
	for k := range p {
		if k != "Signature" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var pairs []string
	for _, k := range keys {
		pairs = append(pairs, rfc3986(k)+"="+rfc3986(p.Get(k)))
	}
	mac := hmac.New(sha1.New, []byte(d.secret+"&"))
	mac.Write([]byte("POST&%2F&" + rfc3986(strings.Join(pairs, "&"))))
	if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); !hmac.Equal([]byte(want), []byte(p.Get("Signature"))) {
		answer(http.StatusBadRequest, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.")
		return
	}
	d.got = append(d.got, p)
	if d.refuse != "" {
		answer(http.StatusOK, d.refuse, "refused by the double")
		return
	}
	answer(http.StatusOK, "OK", "OK")
}

func TestAliyunSendSignedAsTheServiceChecksR_DEL_07(t *testing.T) {
	now := time.Date(2026, 12, 7, 1, 2, 3, 0, time.UTC)
	d := &aliyunDouble{secret: "double secret * ~ +", now: now, nonces: map[string]bool{}}
	srv := httptest.NewServer(d)
	defer srv.Close()
	a := &sms.Aliyun{Endpoint: srv.URL + "/", AccessKeyID: "LTAI-test", AccessKeySecret: d.secret, SignName: "某市科协",
		TemplateCodes: map[string]string{sms.CodeTemplate: "SMS_000001"}, Client: srv.Client(), Now: func() time.Time { return now }}
	ctx := context.Background()
	for range 2 { // two sends: two nonces
		if err := a.Send(ctx, sms.Message{To: "13800000001", Template: sms.CodeTemplate, Params: map[string]string{"code": "042917"}}); err != nil {
			t.Fatal(err)
		}
	}
	if len(d.got) != 2 {
		t.Fatalf("the double accepted %d requests, want 2", len(d.got))
	}
	p := d.got[0]
	if p.Get("PhoneNumbers") != "13800000001" || p.Get("TemplateCode") != "SMS_000001" || p.Get("TemplateParam") != `{"code":"042917"}` ||
		p.Get("SignName") != "某市科协" || p.Get("Timestamp") != "2026-12-07T01:02:03Z" {
		t.Errorf("request parameters %v", p)
	}

	// A wrong secret: the double's own calculation disagrees.
	bad := *a
	bad.AccessKeySecret = "another secret"
	err := bad.Send(ctx, sms.Message{To: "13800000001", Template: sms.CodeTemplate, Params: map[string]string{"code": "1"}})
	if err == nil || !strings.Contains(err.Error(), "SignatureDoesNotMatch") {
		t.Errorf("wrong secret: %v, want SignatureDoesNotMatch", err)
	}
	// The provider refuses (a business limit): an error with its code.
	d.refuse = "isv.BUSINESS_LIMIT_CONTROL"
	err = a.Send(ctx, sms.Message{To: "13800000001", Template: sms.CodeTemplate, Params: map[string]string{"code": "2"}})
	if !errors.Is(err, sms.ErrProvider) || !strings.Contains(err.Error(), "isv.BUSINESS_LIMIT_CONTROL") {
		t.Errorf("refusal: %v", err)
	}
	// A template without a TemplateCode is not sent at all.
	if err := a.Send(ctx, sms.Message{To: "13800000001", Template: "other"}); err == nil {
		t.Error("unconfigured template sent")
	}
}

package sso

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// Validation is a CAS server's answer to serviceValidate or
// p3/serviceValidate: the user and attributes, or the failure.
type Validation struct {
	User       string
	Attributes map[string]string
	Failure    *Failure
}

// Failure is <cas:authenticationFailure code="…">message</…>.
type Failure struct {
	Code    string
	Message string
}

// serviceResponse is the answer in the CAS 2.0/3.0 namespace,
// http://www.yale.edu/tp/cas.
type serviceResponse struct {
	XMLName xml.Name `xml:"http://www.yale.edu/tp/cas serviceResponse"`
	Success *struct {
		User       string `xml:"http://www.yale.edu/tp/cas user"`
		Attributes struct {
			Any []struct {
				XMLName xml.Name
				Value   string `xml:",chardata"`
			} `xml:",any"`
		} `xml:"http://www.yale.edu/tp/cas attributes"`
	} `xml:"http://www.yale.edu/tp/cas authenticationSuccess"`
	Failure *struct {
		Code    string `xml:"code,attr"`
		Message string `xml:",chardata"`
	} `xml:"http://www.yale.edu/tp/cas authenticationFailure"`
}

// ParseServiceResponse reads a CAS service response (at most 1 MiB). Of
// an attribute given more than once the first value counts.
func ParseServiceResponse(r io.Reader) (Validation, error) {
	var sr serviceResponse
	if err := xml.NewDecoder(io.LimitReader(r, 1<<20)).Decode(&sr); err != nil {
		return Validation{}, err
	}
	switch {
	case sr.Failure != nil:
		return Validation{Failure: &Failure{Code: strings.TrimSpace(sr.Failure.Code), Message: strings.TrimSpace(sr.Failure.Message)}}, nil
	case sr.Success != nil:
		v := Validation{User: strings.TrimSpace(sr.Success.User), Attributes: map[string]string{}}
		if v.User == "" {
			return Validation{}, errors.New("authenticationSuccess without a user")
		}
		for _, a := range sr.Success.Attributes.Any {
			if _, seen := v.Attributes[a.XMLName.Local]; !seen {
				v.Attributes[a.XMLName.Local] = strings.TrimSpace(a.Value)
			}
		}
		return v, nil
	}
	return Validation{}, errors.New("neither authenticationSuccess nor authenticationFailure")
}

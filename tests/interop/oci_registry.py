"""A small client for the OCI Distribution API, for the interop scripts in this folder.

Plain HTTP only: the tests run docker-registry on a loopback port. Written for cocoon's tests
from the OCI Distribution Specification (pull: GET manifests/blobs; push: POST an upload,
then PUT it with ?digest=)."""
import hashlib
import urllib.error
import urllib.request

MANIFEST_TYPES = ",".join([
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
])
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


class RegistryError(Exception):
    pass


def sha256_digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Registry:
    def __init__(self, host, repo):
        self.host = host
        self.repo = repo
        self.base = "http://%s/v2/%s" % (host, repo)

    def _call(self, method, url, body=None, headers=None):
        req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.read(), resp.headers
        except urllib.error.HTTPError:
            raise
        except (urllib.error.URLError, OSError) as e:
            raise RegistryError("%s %s: %s" % (method, url, e)) from None

    def manifest(self, reference):
        """The manifest bytes for a tag or digest, or None when the registry has none."""
        try:
            body, _ = self._call("GET", "%s/manifests/%s" % (self.base, reference),
                                 headers={"Accept": MANIFEST_TYPES})
            return body
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return None
            raise

    def blob(self, digest):
        body, _ = self._call("GET", "%s/blobs/%s" % (self.base, digest))
        if sha256_digest(body) != digest:
            raise ValueError("blob %s: content does not match its digest" % digest)
        return body

    def push_blob(self, data):
        digest = sha256_digest(data)
        _, headers = self._call("POST", "%s/blobs/uploads/" % self.base)
        location = headers["Location"]
        if location.startswith("/"):
            location = "http://%s%s" % (self.host, location)
        sep = "&" if "?" in location else "?"
        self._call("PUT", location + sep + "digest=" + digest, body=data,
                   headers={"Content-Type": "application/octet-stream"})
        return digest

    def push_manifest(self, reference, data, media_type=OCI_MANIFEST):
        self._call("PUT", "%s/manifests/%s" % (self.base, reference), body=data,
                   headers={"Content-Type": media_type})

"""The benchmarks' client for the server's API: a bearer token, JSON in and out."""
import json, urllib.request


class Api:
    def __init__(self, url, token):
        self.url, self.token = url, token

    def call(self, method, path, body=None):
        request = urllib.request.Request(self.url + path, method=method,
                                         data=json.dumps(body).encode() if body is not None else None,
                                         headers={"Authorization": "Bearer " + self.token, "Content-Type": "application/json"})
        with urllib.request.urlopen(request) as response:
            return json.loads(response.read() or b"null")

    def create_instant_job(self, prompt="go"):
        """A job on the benchmarks' tiny repository, without git pull or cidx; its id."""
        return self.call("POST", "/jobs", {"prompt": prompt, "repository": "tiny",
                                           "options": {"gitAware": False, "cidxAware": False}})["jobId"]

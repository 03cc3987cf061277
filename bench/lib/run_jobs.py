"""Creates and starts N instant jobs from eight clients (bench/api.sh): run_jobs.py URL TOKEN N."""
import sys
from concurrent.futures import ThreadPoolExecutor
from api_client import Api

api, count = Api(sys.argv[1], sys.argv[2]), int(sys.argv[3])


def run(_):
    api.call("POST", f"/jobs/{api.create_instant_job()}/start")


with ThreadPoolExecutor(8) as pool:
    list(pool.map(run, range(count)))

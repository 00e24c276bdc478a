from ninja import NinjaAPI

api = NinjaAPI(title="gridguard API")

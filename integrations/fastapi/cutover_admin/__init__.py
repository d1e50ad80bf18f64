"""Cutover admin API 1.1 for a FastAPI gateway in the shape of the microservices migration guide.

    from cutover_admin import Cutover, Service, Route, Flag
"""
from .core import API_VERSION, Cutover, CutoverMiddleware
from .state import Flag, Route, Service, bucket, fnv1a32
from .tokens import TokenFileError, parse_token_file

__all__ = ["API_VERSION", "Cutover", "CutoverMiddleware", "Flag", "Route", "Service", "TokenFileError", "bucket",
           "fnv1a32", "parse_token_file"]

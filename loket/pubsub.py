"""Flask-SocketIO's Redis message queue, made to fail loudly and heal (filled in below)."""

from __future__ import annotations


def ping(url: str) -> bool:
    """A PING with a short timeout: a hung Redis answers False here, never a hung caller."""
    import redis

    try:
        client = connect(url, timeout=0.5)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except (redis.RedisError, OSError, ValueError):
        return False


def connect(url: str, timeout: float | None = None):
    """A client for redis://, rediss:// or redis+sentinel://host:port,host:port/DB/SERVICE (the master)."""
    import redis
    from socketio.redis_manager import parse_redis_sentinel_url

    options = {"socket_timeout": timeout, "socket_connect_timeout": timeout}
    if url.startswith("redis+sentinel://"):
        sentinels, service, kwargs = parse_redis_sentinel_url(url)
        sentinel = redis.sentinel.Sentinel(sentinels, sentinel_kwargs={"socket_timeout": timeout}, **kwargs, **options)
        return sentinel.master_for(service or "mymaster", **options)
    return redis.Redis.from_url(url, **options)

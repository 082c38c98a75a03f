"""The URL printed for a listener: loopback, or the Jupyter server's proxy where one runs."""

from __future__ import annotations

import json
import os

import pytest

from lambda_lab.http import public_url


@pytest.mark.parametrize(
    "env, expected",
    [
        ({}, "http://127.0.0.1:8000/"),
        ({"JUPYTERHUB_SERVICE_PREFIX": "/user/ann/"}, "/user/ann/proxy/8000/"),
        (
            {"JUPYTERHUB_SERVICE_PREFIX": "/user/ann/", "JUPYTERHUB_HOST": "https://hub.example"},
            "https://hub.example/user/ann/proxy/8000/",
        ),
        (
            {
                "JUPYTERHUB_PUBLIC_URL": "https://hub.example/user/ann/",
                "JUPYTERHUB_SERVICE_PREFIX": "/user/ann/",
            },
            "https://hub.example/user/ann/proxy/8000/",
        ),
        (
            {"JUPYTER_SERVER_URL": "http://localhost:8888/lab-base/"},
            "http://localhost:8888/lab-base/proxy/8000/",
        ),
    ],
)
def test_url_from_the_environment(env, expected):
    assert public_url(8000, environ=env, servers=[], server_proxy=True) == expected


def test_without_jupyter_server_proxy_the_loopback_url_is_all_there_is():
    env = {"JUPYTERHUB_SERVICE_PREFIX": "/user/ann/"}
    assert public_url(8000, environ=env, servers=[], server_proxy=False) == "http://127.0.0.1:8000/"


def test_a_kernel_finds_its_own_server_among_the_running_ones():
    servers = [
        {"pid": 11, "url": "http://localhost:8888/other/"},
        {"pid": 42, "url": "http://localhost:9999/"},
    ]
    env = {"JPY_PARENT_PID": "42"}
    assert (
        public_url(8000, environ=env, servers=servers, server_proxy=True)
        == "http://localhost:9999/proxy/8000/"
    )
    env = {"JPY_PARENT_PID": "7"}
    assert (
        public_url(8000, environ=env, servers=servers, server_proxy=True)
        == "http://127.0.0.1:8000/"
    )


def test_running_servers_are_read_from_the_runtime_directory(tmp_path):
    (tmp_path / "jpserver-42.json").write_text(
        json.dumps({"pid": os.getpid(), "url": "http://127.0.0.1:8890/"})
    )
    (tmp_path / "jpserver-43.json").write_text("{half written")
    env = {"JPY_PARENT_PID": str(os.getpid()), "JUPYTER_RUNTIME_DIR": str(tmp_path)}
    assert public_url(8000, environ=env, server_proxy=True) == "http://127.0.0.1:8890/proxy/8000/"

"""WorkflowCallbackHandler with LangGraph and langchain-core's fake chat models (no
network): a graph run is a workflow, each graph node a node, each model call a generation
with usage, latency, cost and error, shown by pfr workflows / workflow ID / statistics."""

from __future__ import annotations

import json
import operator
from decimal import Decimal
from typing import Annotated, Any, TypedDict

import pytest
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage
from langgraph.graph import END, START, StateGraph

from pydal_free_repo.cli import main
from pydal_free_repo.langchain import WorkflowCallbackHandler
from pydal_free_repo.workflows.logger import WorkflowLogger
from tests._otel import stored

USAGE = {"input_tokens": 1000, "output_tokens": 200, "total_tokens": 1200}


def reply(text: str) -> AIMessage:
    return AIMessage(
        content=text,
        usage_metadata=USAGE,
        response_metadata={"model_name": "gpt-4o", "model_provider": "openai"},
    )


class State(TypedDict, total=False):
    messages: Annotated[list[AnyMessage], operator.add]
    plan: str


def travel_graph(llm, *, fail_review: bool = False):
    def plan(state: State) -> dict[str, Any]:
        answer = llm.invoke([SystemMessage("You plan trips."), *state["messages"]])
        return {"messages": [answer], "plan": answer.content}

    def review(state: State) -> dict[str, Any]:
        if fail_review:
            raise ValueError("review refused the plan")
        answer = llm.invoke([HumanMessage(f"Review: {state['plan']}")])
        return {"messages": [answer]}

    graph = StateGraph(State)
    graph.add_node("plan", plan, metadata={"node_type": "generation"})
    graph.add_node("review", review, metadata={"node_type": "review"})
    graph.add_edge(START, "plan")
    graph.add_edge("plan", "review")
    graph.add_edge("review", END)
    return graph.compile()


@pytest.fixture
def handler(db):
    handler = WorkflowCallbackHandler(db, username="travel")
    yield handler
    handler.close()


def test_a_graph_run_is_a_workflow_with_nodes_and_priced_generations(handler, db, dsn, capsys):
    llm = GenericFakeChatModel(messages=iter([reply("Day 1: temples"), reply("Looks good")]))
    graph = travel_graph(llm)
    result = graph.invoke(
        {"messages": [HumanMessage("Plan Kyoto")]}, config={"callbacks": [handler]}
    )
    assert result["plan"] == "Day 1: temples"
    assert handler.flush()

    rows = stored(dsn)
    [workflow] = rows["workflows"]
    assert workflow["status"] == "completed"
    assert workflow["user_input"] == "Plan Kyoto"
    # The cost the package gives the same call logged by hand (the price book's).
    reference = WorkflowLogger(db)
    reference.start_workflow(reference.get_or_create_user("by-hand").id, {})
    COST_PER_CALL = reference.log_generation(  # noqa: N806
        "gpt-4o", model_provider="openai", prompt_tokens=1000, completion_tokens=200
    ).estimated_cost
    reference.cancel_workflow("reference only")
    assert COST_PER_CALL > 0
    assert workflow["state"]["plan"] == "Day 1: temples"
    assert [m["content"] for m in workflow["state"]["messages"]] == [
        "Plan Kyoto",
        "Day 1: temples",
        "Looks good",
    ]
    nodes = {n["node_name"]: n for n in rows["nodes"]}
    assert set(nodes) == {"plan", "review"}
    assert (nodes["plan"]["node_type"], nodes["review"]["node_type"]) == ("generation", "review")
    assert nodes["plan"]["execution_order"] < nodes["review"]["execution_order"]
    assert nodes["plan"]["output_data"]["plan"] == "Day 1: temples"
    gens = rows["generations"]
    assert [g["node_id"] for g in gens] == [nodes["plan"]["id"], nodes["review"]["id"]]
    assert all((g["model_name"], g["model_provider"]) == ("gpt-4o", "openai") for g in gens)
    assert [(g["prompt_tokens"], g["completion_tokens"]) for g in gens] == [(1000, 200)] * 2
    assert gens[0]["system_prompt"] == "You plan trips."
    assert gens[0]["user_prompt"] == "Plan Kyoto" and gens[0]["output"] == "Day 1: temples"
    assert all(g["latency_ms"] is not None for g in gens)
    assert sum(g["estimated_cost"] for g in gens) == 2 * COST_PER_CALL

    assert main(["--dsn", dsn, "workflows", "--json"]) == 0
    [listed] = [w for w in json.loads(capsys.readouterr().out) if w["username"] == "travel"]
    assert listed["username"] == "travel"
    assert (listed["node_count"], listed["generation_count"]) == (2, 2)
    assert listed["total_tokens"] == 2400
    assert Decimal(str(listed["total_cost"])) == 2 * COST_PER_CALL

    assert main(["--dsn", dsn, "workflow", str(workflow["id"])]) == 0
    shown = capsys.readouterr().out
    assert "plan" in shown and "review" in shown and "gpt-4o" in shown

    assert main(["--dsn", dsn, "workflow-stats", "nodes", "--json"]) == 0
    stats = {r["node_name"]: r for r in json.loads(capsys.readouterr().out)}
    assert {"plan", "review"} <= set(stats)
    assert main(["--dsn", dsn, "workflow-stats", "usage", "--json"]) == 0
    usage = [u for u in json.loads(capsys.readouterr().out) if u.get("model_name") == "gpt-4o"]
    assert sum(u["total_tokens"] for u in usage) == 2400 + 1200  # and the reference call


def test_a_failing_node_fails_its_workflow(handler, dsn):
    llm = GenericFakeChatModel(messages=iter([reply("Day 1: temples")]))
    graph = travel_graph(llm, fail_review=True)
    with pytest.raises(ValueError, match="review refused"):
        graph.invoke({"messages": [HumanMessage("Plan Kyoto")]}, config={"callbacks": [handler]})
    assert handler.flush()
    rows = stored(dsn)
    [workflow] = rows["workflows"]
    assert workflow["status"] == "failed"
    assert "review refused the plan" in workflow["error_message"]
    nodes = {n["node_name"]: n for n in rows["nodes"]}
    assert nodes["plan"]["status"] == "completed"
    assert nodes["review"]["status"] == "failed"
    assert len(rows["generations"]) == 1


@pytest.mark.asyncio
async def test_concurrent_async_runs_each_get_their_workflow(handler, dsn):
    import asyncio

    async def one(i: int):
        llm = GenericFakeChatModel(messages=iter([reply(f"plan {i}"), reply(f"ok {i}")]))
        return await travel_graph(llm).ainvoke(
            {"messages": [HumanMessage(f"trip {i}")]}, config={"callbacks": [handler]}
        )

    await asyncio.gather(*(one(i) for i in range(8)))
    assert handler.flush()
    rows = stored(dsn)
    assert len(rows["workflows"]) == 8
    by_workflow = {}
    for g in rows["generations"]:
        by_workflow.setdefault(g["workflow_id"], []).append(g["output"])
    for w in rows["workflows"]:
        i = w["user_input"].split()[-1]
        assert sorted(by_workflow[w["id"]]) == [f"ok {i}", f"plan {i}"]
    node_workflow = {n["id"]: n["workflow_id"] for n in rows["nodes"]}
    assert all(node_workflow[g["node_id"]] == g["workflow_id"] for g in rows["generations"])


def test_a_chat_model_alone_is_a_workflow_of_one_generation(handler, dsn):
    llm = GenericFakeChatModel(messages=iter([reply("hello")]))
    llm.invoke([HumanMessage("hi")], config={"callbacks": [handler]})
    assert handler.flush()
    rows = stored(dsn)
    assert rows["workflows"][0]["status"] == "completed"
    [gen] = rows["generations"]
    assert (gen["user_prompt"], gen["output"], gen["total_tokens"]) == ("hi", "hello", 1200)

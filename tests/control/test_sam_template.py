"""Reading SAM templates: the short-form tags, intrinsic functions, parameters, Globals and
the order resources are made in, with errors that say where and what was expected."""

from __future__ import annotations

import pytest

from lambda_lab.control.sam.intrinsics import NO_VALUE, Resolver
from lambda_lab.control.sam.template import merge_globals, parse, references
from lambda_lab.control.sam.yaml_loader import TemplateError, loads

PSEUDO = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::StackName": "shop"}


def test_short_form_tags_become_long_form() -> None:
    document = loads("""\
Resources:
  A:
    Type: X
    Properties:
      Ref: !Ref Bucket
      Att: !GetAtt Queue.Arn
      Nested: !GetAtt Stack.Outputs.Url
      List: !GetAtt [Queue, QueueName]
      Sub: !Sub "${AWS::StackName}-${Env}"
      SubList: !Sub ["${a}-x", {a: !Ref Env}]
      Join: !Join [",", [a, !Ref Env]]
      If: !If [IsProd, big, !Ref "AWS::NoValue"]
      Zones: !GetAZs
      Cond: !Condition IsProd
""")
    props = document["Resources"]["A"]["Properties"]
    assert props["Ref"] == {"Ref": "Bucket"}
    assert props["Att"] == {"Fn::GetAtt": ["Queue", "Arn"]}
    assert props["Nested"] == {"Fn::GetAtt": ["Stack", "Outputs.Url"]}
    assert props["List"] == {"Fn::GetAtt": ["Queue", "QueueName"]}
    assert props["Sub"] == {"Fn::Sub": "${AWS::StackName}-${Env}"}
    assert props["SubList"] == {"Fn::Sub": ["${a}-x", {"a": {"Ref": "Env"}}]}
    assert props["Join"] == {"Fn::Join": [",", ["a", {"Ref": "Env"}]]}
    assert props["If"] == {"Fn::If": ["IsProd", "big", {"Ref": "AWS::NoValue"}]}
    assert props["Zones"] == {"Fn::GetAZs": ""}
    assert props["Cond"] == {"Condition": "IsProd"}


def test_json_templates_load_too() -> None:
    assert loads('{"Resources": {"A": {"Type": "X"}}}')["Resources"]["A"]["Type"] == "X"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Resources:\n  A: [unclosed", "not valid YAML at line 3, column 1"),
        (
            "Resources:\n  A:\n    Type: X\n    Properties: {B: !GetAtt NoDot}\n",
            "'Resource.Attribute'",
        ),
        ("- just a list\n", "a template is a mapping"),
        ('{"Resources": ', "not valid JSON at line 1"),
    ],
)
def test_broken_templates_say_where(text: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        loads(text, source="template.yaml")


def resolver(parameters=None, made=None, conditions=None) -> Resolver:
    made = made or {}

    def lookup(name: str, attribute: str | None) -> object:
        if (name, attribute) not in made:
            raise TemplateError(f"no {name}.{attribute}")
        return made[(name, attribute)]

    return Resolver(parameters or {}, PSEUDO, lookup, conditions=conditions or {},
                    mappings={"Sizes": {"dev": {"Memory": 128}}})  # fmt: skip


def test_intrinsics_resolve_against_parameters_and_resources() -> None:
    r = resolver({"Env": "dev"}, {("Queue", None): "https://q", ("Queue", "Arn"): "arn:q"},
                 {"IsProd": False})  # fmt: skip
    assert r.resolve({"Fn::Sub": "${AWS::StackName}-${Env}-${Queue.Arn}-${!Literal}"}) == (
        "shop-dev-arn:q-${Literal}"
    )
    assert r.resolve({"Fn::Sub": ["${a}/${Queue}", {"a": {"Ref": "Env"}}]}) == "dev/https://q"
    assert r.resolve({"Fn::Join": ["-", ["a", {"Ref": "Env"}]]}) == "a-dev"
    assert r.resolve({"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}) == "b"
    assert r.resolve({"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "Memory"]}) == 128
    assert r.resolve({"Fn::If": ["IsProd", 1024, 128]}) == 128
    assert r.resolve({"Fn::Equals": [{"Ref": "Env"}, "dev"]}) is True
    assert r.resolve({"A": {"Ref": "AWS::NoValue"}, "B": 1}) == {"B": 1}
    assert r.resolve([1, {"Ref": "AWS::NoValue"}]) == [1]
    assert r.resolve({"Ref": "AWS::NoValue"}) is NO_VALUE
    assert r.resolve({"Fn::GetAZs": ""}) == ["us-east-1a", "us-east-1b", "us-east-1c"]


def test_intrinsic_errors_name_the_property() -> None:
    r = resolver()
    with pytest.raises(
        TemplateError, match=r"Resources.A.Properties.X: unknown pseudo parameter 'AWS::Nope'"
    ):
        r.resolve({"Ref": "AWS::Nope"}, "Resources.A.Properties.X")
    with pytest.raises(TemplateError, match="Fn::ImportValue is not supported"):
        r.resolve({"Fn::ImportValue": "shared-vpc"}, "here")
    with pytest.raises(TemplateError, match="unknown condition 'Missing'"):
        r.resolve({"Fn::If": ["Missing", 1, 2]}, "here")


def doc(**sections: object) -> dict:
    base: dict = {"Transform": "AWS::Serverless-2016-10-31",
                  "Resources": {"Fn": {"Type": "AWS::Serverless::Function", "Properties": {}}}}  # fmt: skip
    base.update(sections)
    return base


def test_parameters_take_overrides_defaults_and_check_allowed_values() -> None:
    parameters = {"Stage": {"Type": "String", "Default": "dev", "AllowedValues": ["dev", "prod"]},
                  "Size": {"Type": "Number", "MinValue": 128, "MaxValue": 10240},
                  "Names": {"Type": "CommaDelimitedList", "Default": "a, b"}}  # fmt: skip
    template = parse(doc(Parameters=parameters), {"Size": 512}, pseudo=PSEUDO)
    assert template.parameters == {"Stage": "dev", "Size": "512", "Names": ["a", "b"]}
    with pytest.raises(TemplateError, match=r"Parameter 'Stage' must be one of AllowedValues"):
        parse(doc(Parameters=parameters), {"Stage": "qa", "Size": 512}, pseudo=PSEUDO)
    with pytest.raises(TemplateError, match=r"Parameters: \['Size'\] must have values"):
        parse(doc(Parameters=parameters), {}, pseudo=PSEUDO)
    with pytest.raises(TemplateError, match="between 128 and 10240"):
        parse(doc(Parameters=parameters), {"Size": 64}, pseudo=PSEUDO)
    with pytest.raises(TemplateError, match=r"\['Typo'\] do not exist"):
        parse(doc(Parameters=parameters), {"Size": 512, "Typo": 1}, pseudo=PSEUDO)


def test_globals_merge_as_sam_documents() -> None:
    merged = merge_globals(
        {"Runtime": "python3.12", "Timeout": 5, "Environment": {"Variables": {"A": "1", "B": "2"}},
         "Layers": ["arn:one"]},
        {"Timeout": 30, "Environment": {"Variables": {"B": "local"}}, "Layers": ["arn:two"]},
    )  # fmt: skip
    assert merged == {"Runtime": "python3.12", "Timeout": 30,
                      "Environment": {"Variables": {"A": "1", "B": "local"}},
                      "Layers": ["arn:one", "arn:two"]}  # fmt: skip
    template = parse(doc(Globals={"Function": {"MemorySize": 256}, "Bogus": {}}), pseudo=PSEUDO)
    assert template.resource("Fn").properties == {"MemorySize": 256}
    assert template.notes == ["Globals.Bogus: not a Globals section the Lab applies"]


def test_resources_come_after_what_they_refer_to() -> None:
    resources = {
        "Fn": {"Type": "AWS::Serverless::Function", "Properties": {
            "Environment": {"Variables": {"Q": {"Ref": "Queue"}, "T": {"Fn::Sub": "${Table.Arn}"}}},
            "DeploymentPreference": {"Alarms": [{"Ref": "Alarm"}]}}},
        "Alarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"Dimensions": [{"Value": {"Ref": "Fn"}}]}},
        "Queue": {"Type": "AWS::SQS::Queue", "DependsOn": "Table"},
        "Table": {"Type": "AWS::DynamoDB::Table"},
    }  # fmt: skip
    order = [r.logical_id for r in parse({"Resources": resources}, pseudo=PSEUDO).resources]
    assert order.index("Table") < order.index("Queue") < order.index("Fn") < order.index("Alarm")
    assert references({"Fn::Sub": "${A}-${B.Arn}-${!C}-${AWS::Region}"}) == {
        "A",
        "B",
        "AWS::Region",
    }
    looped = {"A": {"Type": "X", "Properties": {"B": {"Ref": "B"}}},
              "B": {"Type": "X", "Properties": {"A": {"Ref": "A"}}}}  # fmt: skip
    with pytest.raises(TemplateError, match=r"circular dependency between resources \['A', 'B'\]"):
        parse({"Resources": looped}, pseudo=PSEUDO)


def test_conditions_decide_which_resources_exist() -> None:
    template = parse({
        "Parameters": {"Stage": {"Type": "String", "Default": "dev"}},
        "Conditions": {"IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
                       "IsDev": {"Fn::Not": [{"Condition": "IsProd"}]}},
        "Resources": {"Alarm": {"Type": "AWS::CloudWatch::Alarm", "Condition": "IsProd"},
                      "Queue": {"Type": "AWS::SQS::Queue", "Condition": "IsDev"}},
    }, pseudo=PSEUDO)  # fmt: skip
    assert template.conditions == {"IsProd": False, "IsDev": True}
    assert [r.logical_id for r in template.resources] == ["Queue"]


def test_shape_errors_name_the_resource() -> None:
    with pytest.raises(TemplateError, match="needs a Resources section"):
        parse({"Transform": "AWS::Serverless-2016-10-31"}, pseudo=PSEUDO)
    with pytest.raises(
        TemplateError, match="Resources.Bad_Name: logical IDs are letters and digits"
    ):
        parse({"Resources": {"Bad_Name": {"Type": "X"}}}, pseudo=PSEUDO)
    with pytest.raises(TemplateError, match=r"Resources.A.DependsOn: no resource 'Ghost'"):
        parse({"Resources": {"A": {"Type": "X", "DependsOn": ["Ghost"]}}}, pseudo=PSEUDO)
    with pytest.raises(TemplateError, match="unknown top-level section 'Resource'"):
        parse({"Resource": {}}, pseudo=PSEUDO)

using Payments.Infrastructure.Messaging.Delays;

namespace Payments.Infrastructure.Tests.Messaging.Delays;

public sealed class DelayRoutingTests
{
    [Fact]
    public void Thirteen_seconds_waits_at_levels_three_two_and_zero()
    {
        DelayRouting.WaitingLevels(13).ShouldBe([3, 2, 0]);
        DelayRouting.FirstLevel(13).ShouldBe(3);
        DelayRouting.RoutingKey(13, "verify-payment").ShouldBe("0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.1.0.1.@.verify-payment");
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(3, 1)]
    [InlineData(8, 3)]
    [InlineData(86_400, 16)]
    [InlineData(DelayRouting.MaxDelaySeconds, DelayRouting.MaxLevel)]
    public void First_level_is_the_highest_set_bit(long seconds, int expected)
    {
        DelayRouting.FirstLevel(seconds).ShouldBe(expected);
    }

    [Fact]
    public void Level_queues_hold_powers_of_two_seconds_and_dead_letter_one_level_down()
    {
        DelayRouting.LevelTtlMilliseconds(0).ShouldBe(1_000);
        DelayRouting.LevelTtlMilliseconds(4).ShouldBe(16_000);
        DelayRouting.LevelTtlMilliseconds(DelayRouting.MaxLevel).ShouldBe(131_072_000);
        DelayRouting.DeadLetterExchange(0).ShouldBe(DelayRouting.DeliveryExchange);
        DelayRouting.DeadLetterExchange(5).ShouldBe("payments.delay.level-04");
    }

    [Fact]
    public void Level_queue_arguments_make_a_durable_ttl_dead_letter_quorum_queue()
    {
        var arguments = DelayLayout.LevelQueueArguments(3);

        arguments["x-queue-type"].ShouldBe("quorum");
        arguments["x-message-ttl"].ShouldBe(8_000L);
        arguments["x-dead-letter-exchange"].ShouldBe("payments.delay.level-02");
        arguments["x-dead-letter-strategy"].ShouldBe("at-least-once");
        arguments["x-overflow"].ShouldBe("reject-publish");
    }

    [Fact]
    public void The_fixed_layout_declares_each_entity_once_and_parks_through_a_quorum_queue()
    {
        var layout = DelayLayout.Fixed();

        layout.OfType<ExchangeDeclaration>().Select(e => e.Name).ShouldBeUnique();
        layout.OfType<QueueDeclaration>().Select(q => q.Name).ShouldBeUnique();
        layout.OfType<QueueDeclaration>().ShouldAllBe(q => (string?)q.Arguments["x-queue-type"] == "quorum");
        layout.OfType<ExchangeDeclaration>().Single(e => e.Name == DelayRouting.DestinationsExchange)
            .Arguments!["alternate-exchange"].ShouldBe(DelayRouting.UnroutableExchange);

        // Declared as they always were: an existing broker refuses a redeclaration with other arguments.
        layout.OfType<ExchangeDeclaration>().Single(e => e.Name == DelayRouting.DeliveryExchange).Arguments.ShouldBeNull();
        layout.OfType<ExchangeDeclaration>().Where(e => e.Name.StartsWith("payments.delay.level-", StringComparison.Ordinal))
            .ShouldAllBe(e => e.Arguments == null);
    }

    [Theory]
    [InlineData("payments.delay.level-00", 0)]
    [InlineData("payments.delay.level-17", 17)]
    [InlineData("payments.delay.level-18", -1)]
    [InlineData("payments.delay.level-3", -1)]
    [InlineData("payments.delay.delivery", -1)]
    [InlineData("verify-payment", -1)]
    public void Level_names_parse_back_to_their_level(string name, int expected)
    {
        DelayRouting.TryParseLevel(name, out var level).ShouldBe(expected >= 0);
        if (expected >= 0)
        {
            level.ShouldBe(expected);
        }
    }

    [Fact]
    public void A_delay_of_at_least_a_day_at_one_second_granularity_is_possible()
    {
        DelayRouting.MaxDelaySeconds.ShouldBeGreaterThanOrEqualTo((long)TimeSpan.FromHours(24).TotalSeconds);
        DelayRouting.ToDelaySeconds(TimeSpan.FromHours(24)).ShouldBe(86_400);
        DelayRouting.ToDelaySeconds(TimeSpan.FromSeconds(86_401)).ShouldBe(86_401);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(-5_000, 0)]
    [InlineData(1, 1)]
    [InlineData(999, 1)]
    [InlineData(1_000, 1)]
    [InlineData(1_001, 2)]
    [InlineData(2_999, 3)]
    public void Delays_round_up_to_whole_seconds_so_nothing_arrives_early(int milliseconds, long expectedSeconds)
    {
        DelayRouting.ToDelaySeconds(TimeSpan.FromMilliseconds(milliseconds)).ShouldBe(expectedSeconds);
    }

    [Fact]
    public void A_delay_beyond_the_top_level_is_refused_rather_than_shortened()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => DelayRouting.ToDelaySeconds(TimeSpan.FromSeconds(DelayRouting.MaxDelaySeconds + 1)));
    }

    [Fact]
    public void Every_delay_up_to_two_hours_travels_through_the_declared_bindings_for_exactly_its_length()
    {
        var broker = TopicBrokerModel.FromDeclaredTopology(["verify-payment", "x.verify-payment"]);

        for (long seconds = 1; seconds <= 7_200; seconds++)
        {
            var trip = broker.Route(DelayRouting.LevelName(DelayRouting.FirstLevel(seconds)), DelayRouting.RoutingKey(seconds, "verify-payment"));

            trip.DelaySeconds.ShouldBe(seconds);
            trip.Queues.ShouldBe(["verify-payment"]);
        }
    }

    [Theory]
    [InlineData(86_400)]
    [InlineData(131_071)]
    [InlineData(DelayRouting.MaxDelaySeconds)]
    public void Long_delays_travel_for_exactly_their_length(long seconds)
    {
        var broker = TopicBrokerModel.FromDeclaredTopology(["verify-payment"]);

        var trip = broker.Route(DelayRouting.LevelName(DelayRouting.FirstLevel(seconds)), DelayRouting.RoutingKey(seconds, "verify-payment"));

        trip.DelaySeconds.ShouldBe(seconds);
        trip.Queues.ShouldBe(["verify-payment"]);
    }

    [Fact]
    public void A_destination_whose_name_ends_another_ones_gets_only_its_own_messages()
    {
        var broker = TopicBrokerModel.FromDeclaredTopology(["orders", "x.orders", "subscriber"]);
        broker.AddPublishExchange("Payments.Contracts:VerifyPayment", "subscriber");
        broker.BindDestination("Payments.Contracts:VerifyPayment");

        broker.Route(DelayRouting.LevelName(2), DelayRouting.RoutingKey(5, "x.orders")).Queues.ShouldBe(["x.orders"]);
        broker.Route(DelayRouting.LevelName(2), DelayRouting.RoutingKey(5, "orders")).Queues.ShouldBe(["orders"]);
        broker.Route(DelayRouting.LevelName(0), DelayRouting.RoutingKey(1, "Payments.Contracts:VerifyPayment")).Queues.ShouldBe(["subscriber"]);
    }

    [Fact]
    public void A_message_for_a_deleted_queue_is_parked_and_does_not_hold_up_the_others()
    {
        var broker = TopicBrokerModel.FromDeclaredTopology(["verify-payment", "gone"]);
        broker.DeleteQueue("gone");

        var dead = broker.Route(DelayRouting.LevelName(1), DelayRouting.RoutingKey(3, "gone"));
        var live = broker.Route(DelayRouting.LevelName(1), DelayRouting.RoutingKey(3, "verify-payment"));

        dead.Queues.ShouldBe([DelayRouting.UnroutableExchange]);
        dead.Stalled.ShouldBeFalse();
        live.Queues.ShouldBe(["verify-payment"]);
    }

    [Fact]
    public void A_message_for_a_deleted_destination_exchange_is_parked()
    {
        var broker = TopicBrokerModel.FromDeclaredTopology(["subscriber"]);
        broker.AddPublishExchange("Payments.Contracts:Gone", "subscriber");
        broker.BindDestination("Payments.Contracts:Gone");
        broker.DeleteExchange("Payments.Contracts:Gone");

        var trip = broker.Route(DelayRouting.LevelName(0), DelayRouting.RoutingKey(1, "Payments.Contracts:Gone"));

        trip.Queues.ShouldBe([DelayRouting.UnroutableExchange]);
        trip.Stalled.ShouldBeFalse();
    }

    [Fact]
    public void A_message_for_a_temporary_endpoint_that_is_gone_is_parked()
    {
        var broker = TopicBrokerModel.FromDeclaredTopology(["host_bus_abc"]);
        broker.DeleteQueue("host_bus_abc");
        broker.DeleteExchange("host_bus_abc");

        broker.Route(DelayRouting.LevelName(4), DelayRouting.RoutingKey(20, "host_bus_abc")).Queues.ShouldBe([DelayRouting.UnroutableExchange]);
    }

    [Fact]
    public void A_publish_exchange_without_subscribers_still_holds_up_level_zero()
    {
        // A known limit: the destinations exchange matched a binding, so its alternate exchange is not used, and the
        // message type's exchange (MassTransit's, without an alternate exchange) routes to no queue.
        var broker = TopicBrokerModel.FromDeclaredTopology();
        broker.AddPublishExchange("Payments.Contracts:Unheard");
        broker.BindDestination("Payments.Contracts:Unheard");

        var trip = broker.Route(DelayRouting.LevelName(0), DelayRouting.RoutingKey(1, "Payments.Contracts:Unheard"));

        trip.Queues.ShouldBeEmpty();
        trip.Stalled.ShouldBeTrue();
    }

    [Fact]
    public void A_destination_bound_through_its_exchange_before_its_queue_existed_gets_one_copy_once_its_queue_is_bound()
    {
        var broker = TopicBrokerModel.FromDeclaredTopology();
        broker.BindDestination("late-endpoint");
        broker.AddEndpoint("late-endpoint");
        broker.Route(DelayRouting.LevelName(0), DelayRouting.RoutingKey(1, "late-endpoint")).Queues.ShouldBe(["late-endpoint"]);

        broker.BindDestination("late-endpoint");

        broker.BindingsTo("late-endpoint").ShouldBe(1);
        broker.Route(DelayRouting.LevelName(0), DelayRouting.RoutingKey(1, "late-endpoint")).Queues.ShouldBe(["late-endpoint"]);
    }

    [Fact]
    public void A_queue_deleted_and_declared_again_is_delivered_to_once_it_is_bound_again()
    {
        var broker = TopicBrokerModel.FromDeclaredTopology(["verify-payment"]);
        broker.DeleteQueue("verify-payment");
        broker.AddEndpoint("verify-payment");
        broker.Route(DelayRouting.LevelName(0), DelayRouting.RoutingKey(1, "verify-payment")).Queues.ShouldBe([DelayRouting.UnroutableExchange]);

        broker.BindDestination("verify-payment");

        broker.Route(DelayRouting.LevelName(0), DelayRouting.RoutingKey(1, "verify-payment")).Queues.ShouldBe(["verify-payment"]);
    }

    [Fact]
    public void On_an_upgraded_broker_bindings_of_the_earlier_key_format_neither_duplicate_nor_park_anything()
    {
        // Upgraded in place: the earlier format's binding for verify-payment is still on the delivery exchange.
        var broker = TopicBrokerModel.FromDeclaredTopology(["verify-payment"]);
        broker.AddEarlierFormatBinding("verify-payment");

        var current = broker.Route(DelayRouting.LevelName(1), DelayRouting.RoutingKey(3, "verify-payment"));
        var inFlightFromBefore = broker.Route(DelayRouting.LevelName(1), TopicBrokerModel.EarlierFormatRoutingKey(3, "verify-payment"));

        current.Queues.ShouldBe(["verify-payment"]);
        current.DelaySeconds.ShouldBe(3);
        inFlightFromBefore.Queues.ShouldBe(["verify-payment"]);
        inFlightFromBefore.DelaySeconds.ShouldBe(3);
    }

    [Fact]
    public void Destinations_resolve_to_the_exchange_masstransit_declares_for_them()
    {
        var host = new Uri("rabbitmq://localhost/payments");

        DelayDestination.FromAddress(host, new Uri("queue:verify-payment"))
            .ShouldBe(new DelayDestination("verify-payment", "fanout", Durable: true, AutoDelete: false));
        DelayDestination.FromAddress(host, new Uri("rabbitmq://localhost/payments/Payments.Contracts:VerifyPayment"))
            .ShouldBe(new DelayDestination("Payments.Contracts:VerifyPayment", "fanout", Durable: true, AutoDelete: false));
        DelayDestination.FromAddress(host, new Uri("rabbitmq://localhost/payments/host_bus_abc?temporary=true"))
            .ShouldBe(new DelayDestination("host_bus_abc", "fanout", Durable: false, AutoDelete: true));
    }

    [Fact]
    public void A_destination_that_needs_the_delayed_message_plugin_is_refused()
    {
        Should.Throw<ArgumentException>(() => DelayDestination.FromAddress(
            new Uri("rabbitmq://localhost/payments"), new Uri("rabbitmq://localhost/payments/verify-payment?delayedtype=fanout")));
    }
}

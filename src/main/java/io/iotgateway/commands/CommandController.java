package io.iotgateway.commands;

import io.iotgateway.errors.MessageRejectedException;
import io.iotgateway.web.ApiParameters;
import io.iotgateway.web.ApiProblems;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Commands over HTTP: send one, follow it by its id, list a device's recent ones. */
@RestController
@RequestMapping(path = "/api", produces = MediaType.APPLICATION_JSON_VALUE)
class CommandController {

    private static final int DEFAULT_LIMIT = 50;
    private static final int MAX_LIMIT = 500;

    private final CommandService commands;
    private final CommandProperties properties;

    CommandController(CommandService commands, CommandProperties properties) {
        this.commands = commands;
        this.properties = properties;
    }

    /** 202: the broker has the command; follow its status at the Location. */
    @PostMapping("/devices/{deviceId}/commands/{component}")
    ResponseEntity<Command> send(
            @PathVariable String deviceId, @PathVariable String component, @RequestBody(required = false) byte[] body) {
        Command command = commands.submit(deviceId, component, body, "http");
        return ResponseEntity.accepted()
                .location(URI.create("/api/commands/" + command.commandId()))
                .body(command);
    }

    /** The actuator components commands may address, with their value ranges. */
    @GetMapping("/components")
    Map<String, CommandProperties.Component> components() {
        return new TreeMap<>(properties.components());
    }

    @GetMapping("/commands/{commandId}")
    ResponseEntity<?> get(@PathVariable String commandId) {
        return commands.find(commandId)
                .<ResponseEntity<?>>map(ResponseEntity::ok)
                .orElseGet(() -> ResponseEntity.status(HttpStatus.NOT_FOUND)
                        .body(ApiProblems.of(HttpStatus.NOT_FOUND, "unknown-command", "no command " + commandId)));
    }

    @GetMapping("/devices/{deviceId}/commands")
    List<Command> forDevice(@PathVariable String deviceId, @RequestParam(required = false) String limit) {
        return commands.forDevice(
                ApiParameters.identifier("deviceId", deviceId), ApiParameters.limit(limit, DEFAULT_LIMIT, MAX_LIMIT));
    }

    @ExceptionHandler(MessageRejectedException.class)
    ResponseEntity<ProblemDetail> rejected(MessageRejectedException e) {
        return ResponseEntity.badRequest()
                .body(ApiProblems.of(HttpStatus.BAD_REQUEST, e.reason().code(), e.getMessage()));
    }

    @ExceptionHandler(CommandUndeliverableException.class)
    ResponseEntity<ProblemDetail> undeliverable(CommandUndeliverableException e) {
        ProblemDetail problem = ApiProblems.of(HttpStatus.SERVICE_UNAVAILABLE, e.code(), e.getMessage());
        problem.setProperty("commandId", e.command().commandId());
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE).body(problem);
    }
}

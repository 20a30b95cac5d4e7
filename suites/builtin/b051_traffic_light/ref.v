module TopModule (
  input            clk,
  input            reset,
  input            ew_car,
  output reg [2:0] ns_light,
  output reg [2:0] ew_light
);
  localparam NS_GREEN = 2'd0, NS_YELLOW = 2'd1, EW_GREEN = 2'd2, EW_YELLOW = 2'd3;
  reg [1:0] state, next;
  reg [3:0] timer;
  always @(*) begin
    next = state;
    case (state)
      NS_GREEN:  if (timer >= 4'd7 && ew_car) next = NS_YELLOW;
      NS_YELLOW: if (timer == 4'd2) next = EW_GREEN;
      EW_GREEN:  if (timer >= 4'd5 || !ew_car) next = EW_YELLOW;
      default:   if (timer == 4'd2) next = NS_GREEN;
    endcase
  end
  always @(posedge clk) begin
    if (reset) begin
      state <= NS_GREEN;
      timer <= 4'd0;
    end else begin
      state <= next;
      if (next != state)       timer <= 4'd0;
      else if (timer != 4'd15) timer <= timer + 4'd1;
    end
  end
  always @(*) begin
    case (state)
      NS_GREEN:  begin ns_light = 3'b001; ew_light = 3'b100; end
      NS_YELLOW: begin ns_light = 3'b010; ew_light = 3'b100; end
      EW_GREEN:  begin ns_light = 3'b100; ew_light = 3'b001; end
      default:   begin ns_light = 3'b100; ew_light = 3'b010; end
    endcase
  end
endmodule
